/// Shared rules for the string identifiers that clients choose (users, items, sessions, ...).
///
/// An identifier is 1 to 256 bytes of UTF-8 without control characters and not blank, so that it
/// can sit in a URL path, a CSV cell or a log line without surprises.
package protocol ExternalIdentifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    var rawValue: String { get }
    init(unchecked rawValue: String)
}

extension ExternalIdentifier {
    package static var maxLength: Int { 256 }

    /// Validates `raw` and wraps it; `field` names the input in the error.
    package static func validated(_ raw: String, field: String) throws(AttuneError) -> Self {
        let utf8 = raw.utf8
        guard !utf8.isEmpty else { throw .invalid(field, "must not be empty") }
        guard utf8.count <= maxLength else { throw .invalid(field, "must be at most \(maxLength) bytes") }
        var blank = true
        for byte in utf8 {
            if byte < 0x20 || byte == 0x7F { throw .invalid(field, "must not contain control characters") }
            if byte != 0x20 { blank = false }
        }
        guard !blank else { throw .invalid(field, "must not be blank") }
        return Self(unchecked: raw)
    }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    package var description: String { rawValue }
}

package struct UserID: ExternalIdentifier {
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}

package struct AnonymousID: ExternalIdentifier {
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}

package struct SessionID: ExternalIdentifier {
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}

package struct ItemID: ExternalIdentifier {
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}
