/// Declared attributes sent by `PATCH /v1/users/{id}`: a JSON merge patch (RFC 7396) whose
/// well-known members are typed, so that `"age": "forty"` is refused instead of stored.
package enum DeclaredAttributes {
    package static let maxBytes = 16 * 1024

    /// Validates a patch and returns it as canonical JSON text.
    /// - Throws: `AttuneError` naming the offending attribute.
    package static func validatePatch(_ json: JSONValue) throws(AttuneError) -> String {
        guard let members = json.objectMembers else { throw .invalid("", "the body must be a JSON object of attributes") }
        guard !members.isEmpty else { throw .invalid("", "the patch holds no attribute") }
        for (key, value) in members {
            guard !key.isEmpty, key.utf8.count <= 64 else { throw .invalid(key, "attribute names are 1 to 64 bytes") }
            if case .null = value { continue }  // null removes the attribute (RFC 7396)
            switch key {
            case "age":
                guard case .number(let n) = value, n == n.rounded(), n >= 0, n <= 150 else {
                    throw .invalid("age", "must be a whole number from 0 to 150")
                }
            case "gender", "location", "name":
                guard case .string(let s) = value, !s.isEmpty, s.utf8.count <= 256 else {
                    throw .invalid(key, "must be a string of 1 to 256 bytes")
                }
            case "language":
                guard case .string(let s) = value, isLanguageTag(s) else {
                    throw .invalid("language", "must be a language tag such as \"en\" or \"pt-BR\"")
                }
            case "country":
                guard case .string(let s) = value, s.utf8.count == 2, s.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
                    throw .invalid("country", "must be an ISO 3166-1 alpha-2 code such as \"DE\"")
                }
            default:
                break
            }
        }
        let text = json.serialized(sortedKeys: true)
        guard text.utf8.count <= maxBytes else { throw .invalid("", "the patch must be at most \(maxBytes) bytes of JSON") }
        return text
    }

    /// BCP 47 in the shape used in practice: a 2–3 letter language, then 2–8 character subtags.
    static func isLanguageTag(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.utf8.count), first.utf8.allSatisfy(isLetter) else { return false }
        return parts.dropFirst().allSatisfy { part in
            (2...8).contains(part.utf8.count) && part.utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }
}
