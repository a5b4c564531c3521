/// One normalised identifier of a person, before it is hashed for storage.
///
/// E-mail addresses are trimmed and lower-cased (`"  Ann@Example.com"` and `"ann@example.com "`
/// are one address); phone numbers are brought to E.164 (`+` and 8 to 15 digits); external ids
/// are kept as given, trimmed. Validation is strict on purpose: a wrong identifier merges two
/// people, which is worse than not merging.
package struct PersonIdentifier: Sendable, Hashable {
    package var kind: IdentifierKind
    /// The normalised value: never stored as such for e-mail and phone (see ``IdentifierKind/isHashed``).
    package var value: String

    package init(kind: IdentifierKind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// - Throws: `AttuneError` `invalid_value` naming `field` when `raw` is not an e-mail address.
    package static func email(_ raw: String, field: String = "email") throws(AttuneError) -> PersonIdentifier {
        let address = raw.trimmingSpaces().lowercased()
        guard !address.isEmpty, address.utf8.count <= 254 else { throw .invalid(field, "must be an e-mail address of 3 to 254 bytes") }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else {
            throw .invalid(field, "must be an e-mail address (one '@' with text before it)")
        }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else {
            throw .invalid(field, "must be an e-mail address with a domain such as example.com")
        }
        for scalar in address.unicodeScalars where scalar.value <= 0x20 || scalar.value == 0x7F || scalar == "," || scalar == ";" {
            throw .invalid(field, "must be an e-mail address without spaces, control characters, ',' or ';'")
        }
        return PersonIdentifier(kind: .email, value: address)
    }

    /// Normalises a phone number to E.164. Spaces, `-`, `.`, `/` and parentheses are dropped;
    /// `00` as international prefix becomes `+`. A number without either needs
    /// `defaultCountryCode` (digits, e.g. `44`), and loses one leading trunk `0`
    /// (`020 7946 0958` with `44` → `+442079460958`).
    /// - Throws: `AttuneError` `invalid_value` naming `field`.
    package static func phone(_ raw: String, defaultCountryCode: String? = nil, field: String = "phone")
        throws(AttuneError) -> PersonIdentifier
    {
        var digits = ""
        var plus = false
        for (index, scalar) in raw.trimmingSpaces().unicodeScalars.enumerated() {
            switch scalar {
            case "0"..."9": digits.unicodeScalars.append(scalar)
            case "+" where index == 0: plus = true
            case " ", "-", ".", "/", "(", ")": continue
            default: throw .invalid(field, "must be a phone number of digits, spaces, '-', '.', '/', '(' ')' and a leading '+'")
            }
        }
        if !plus, digits.hasPrefix("00") {
            plus = true
            digits.removeFirst(2)
        }
        if !plus {
            guard let code = defaultCountryCode else {
                throw .invalid(field, "must be in international form (+ and country code) when no default country code is set")
            }
            if digits.hasPrefix("0") { digits.removeFirst() }
            digits = code + digits
        }
        guard (8...15).contains(digits.count), digits.first != "0" else {
            throw .invalid(field, "must be a phone number of 8 to 15 digits with its country code (E.164)")
        }
        return PersonIdentifier(kind: .phone, value: "+" + digits)
    }

    /// Validates a default country code option: 1 to 3 digits, no leading zero.
    package static func validateCountryCode(_ raw: String, field: String) throws(AttuneError) {
        guard (1...3).contains(raw.count), raw.allSatisfy({ $0.isASCII && $0.isNumber }), raw.first != "0" else {
            throw .invalid(field, "must be a country calling code of 1 to 3 digits, such as 44")
        }
    }

    /// An id given by system `source`, trimmed; the usual identifier rules (1 to 256 bytes, no
    /// control characters).
    package static func external(source: String, id raw: String, field: String = "id") throws(AttuneError)
        -> PersonIdentifier
    {
        let kind = try IdentifierKind.external(source)
        let id = try UserID.validated(raw.trimmingSpaces(), field: field)
        return PersonIdentifier(kind: kind, value: id.rawValue)
    }
}
