/// A validated request to change a person's consent: `PUT /v1/users/{id}/consent` and the importer.
package struct ConsentUpdate: Sendable, Equatable {
    package var choices: ConsentChoices
    package var source: String

    package static let defaultSource = "api"
    package static let maxSourceLength = 64

    package init(choices: ConsentChoices, source: String = ConsentUpdate.defaultSource) {
        self.choices = choices
        self.source = source
    }

    /// Reads `{"analytics": true, "personalization": false, "marketing": true, "source": "tracker"}`:
    /// any non-empty subset of the purposes, each a boolean, and an optional source.
    /// - Throws: `AttuneError` `invalid_value` naming the field for an unknown key, a value of the
    ///   wrong type, a malformed source, or no purpose at all.
    package static func decode(_ body: JSONValue) throws(AttuneError) -> ConsentUpdate {
        guard case .object(let members) = body else {
            throw .invalid("", "body must be an object of purposes, e.g. {\"analytics\": true}")
        }
        var update = ConsentUpdate(choices: ConsentChoices())
        var seen: Set<String> = []
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw .invalid(key, "appears more than once") }
            if key == "source" {
                guard case .string(let source) = value else { throw .invalid("source", "must be a string") }
                update.source = try validatedSource(source)
                continue
            }
            guard let purpose = ConsentPurpose(rawValue: key) else {
                // The key is client text: named only when it is short and printable.
                let named =
                    key.utf8.count <= 64 && key.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
                throw .invalid(
                    named ? key : "", "unknown field; allowed: analytics, personalization, marketing, source")
            }
            guard case .bool(let granted) = value else { throw .invalid(key, "must be true or false") }
            update.choices[purpose] = granted
        }
        guard !update.choices.isEmpty else {
            throw .invalid("", "name at least one purpose: analytics, personalization or marketing")
        }
        return update
    }

    /// 1 to 64 characters of letters, digits, `-`, `_` and `.`: it is shown in audit rows and history.
    package static func validatedSource(_ source: String) throws(AttuneError) -> String {
        guard !source.isEmpty, source.utf8.count <= maxSourceLength else {
            throw .invalid("source", "must be 1 to \(maxSourceLength) characters")
        }
        for byte in source.utf8 {
            let allowed =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
            guard allowed else { throw .invalid("source", "may hold only letters, digits, '-', '_' and '.'") }
        }
        return source
    }
}
