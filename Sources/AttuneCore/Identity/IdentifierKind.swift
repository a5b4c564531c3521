/// What kind of identifier ties records of one person together: an e-mail address, a phone
/// number, or an id another system gave the person (`external:crm`).
package struct IdentifierKind: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let rawValue: String

    package static let email = IdentifierKind(rawValue: "email")
    package static let phone = IdentifierKind(rawValue: "phone")

    /// The id of the person in system `source` (letters, digits, `-`, `_`, `.`; 1 to 64 bytes).
    package static func external(_ source: String) throws(AttuneError) -> IdentifierKind {
        try IdentifierSource.validate(source, field: "source")
        return IdentifierKind(rawValue: "external:" + source)
    }

    /// Reads `email`, `phone` or `external:SOURCE`.
    package static func parse(_ raw: String, field: String) throws(AttuneError) -> IdentifierKind {
        switch raw {
        case "email": return .email
        case "phone": return .phone
        default:
            guard raw.hasPrefix("external:") else {
                throw .invalid(field, "must be email, phone or external:SOURCE")
            }
            do {
                return try external(String(raw.dropFirst("external:".count)))
            } catch {
                throw .invalid(field, "external:SOURCE needs a source of letters, digits, '-', '_' or '.' (1 to 64)")
            }
        }
    }

    /// Whether values of this kind are personal data stored only as a keyed hash.
    package var isHashed: Bool { self == .email || self == .phone }

    init(rawValue: String) { self.rawValue = rawValue }

    /// For rows read back from storage, which only ever holds kinds made by the constructors.
    package init(stored rawValue: String) { self.rawValue = rawValue }

    package var description: String { rawValue }
    package static func < (lhs: IdentifierKind, rhs: IdentifierKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The name of a data source (`crm`, `web`, `shop`): where declared attributes and identifiers came
/// from, and what the source priority of conflicting attributes orders.
package enum IdentifierSource {
    package static let maxLength = 64
    /// Identify calls and PATCH requests without a named source.
    package static let api = "api"

    package static func validate(_ raw: String, field: String) throws(AttuneError) {
        guard !raw.isEmpty, raw.utf8.count <= maxLength else { throw .invalid(field, "must be 1 to \(maxLength) bytes") }
        for byte in raw.utf8 {
            let ok = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
            guard ok else { throw .invalid(field, "must hold only letters, digits, '-', '_' or '.'") }
        }
    }
}
