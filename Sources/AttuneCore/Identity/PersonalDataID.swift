/// Recognises ids that are themselves personal data: an e-mail address or an international phone
/// number sent as a user id would be stored raw in the event log, profiles and every index,
/// outside the reach of pseudonymisation.
package enum PersonalDataID {
    /// What an id looks like when it is personal data.
    package enum Kind: Sendable {
        case email, phone
    }

    /// `.email` for anything shaped like an address (one `@`, a dotted domain whose last label is
    /// a name of at least two letters, so `sensor-7@10.0.0.12` or `svc@v2.1` are not), `.phone` for
    /// a `+` followed by 8 to 15 digits (spaces and the usual separators allowed), or the `00`
    /// international prefix written with such separators; `nil` otherwise. Unbroken digit runs,
    /// zero-padded ones included, are customer numbers often enough to be left alone.
    package static func kind(of id: String) -> Kind? {
        if id.utf8.contains(UInt8(ascii: "@")), let address = try? PersonIdentifier.email(id),
            hasNamedTopLevelDomain(address.value)
        {
            return .email
        }
        let start = id.utf8.drop(while: { $0 == UInt8(ascii: " ") })
        let international =
            start.first == UInt8(ascii: "+") || (start.starts(with: "00".utf8) && start.contains(where: Self.isSeparator))
        if international, (try? PersonIdentifier.phone(id)) != nil { return .phone }
        return nil
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."),
            UInt8(ascii: "/"):
            true
        default: false
        }
    }

    /// Whether the last label of the address's domain is a name (letters only, at least two;
    /// an IDN label in its `xn--` form counts) rather than a number or a version.
    static func hasNamedTopLevelDomain(_ address: String) -> Bool {
        guard let at = address.lastIndex(of: "@") else { return false }
        let domain = address[address.index(after: at)...]
        let last = domain.split(separator: ".", omittingEmptySubsequences: false).last ?? ""
        if last.hasPrefix("xn--") { return last.count > 4 }
        return last.count >= 2 && last.allSatisfy(\.isLetter)
    }

    /// - Throws: `AttuneError` `invalid_value` naming `field` when `id` is an e-mail address or a
    ///   phone number; the message never repeats the id.
    package static func refuse(_ id: String, field: String) throws(AttuneError) {
        switch kind(of: id) {
        case .email?:
            throw .invalid(
                field,
                "must not be an e-mail address while pseudonymisation is on: send a pseudonymous id and the address "
                    + "as the \"email\" identifier or trait instead")
        case .phone?:
            throw .invalid(
                field,
                "must not be a phone number while pseudonymisation is on: send a pseudonymous id and the number "
                    + "as the \"phone\" identifier or trait instead")
        case nil:
            return
        }
    }
}
