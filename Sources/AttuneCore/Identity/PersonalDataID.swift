/// Recognises ids that are themselves personal data: an e-mail address or an international phone
/// number sent as a user id would be stored raw in the event log, profiles and every index,
/// outside the reach of pseudonymisation.
package enum PersonalDataID {
    /// What an id looks like when it is personal data.
    package enum Kind: Sendable {
        case email, phone
    }

    /// `.email` for anything shaped like an address (one `@`, a dotted domain), `.phone` for a
    /// `+` followed by 8 to 15 digits (spaces and the usual separators allowed); `nil` otherwise.
    /// Numeric ids without `+` are customer numbers often enough to be left alone.
    package static func kind(of id: String) -> Kind? {
        if id.utf8.contains(UInt8(ascii: "@")), (try? PersonIdentifier.email(id)) != nil { return .email }
        if id.utf8.first(where: { $0 != UInt8(ascii: " ") }) == UInt8(ascii: "+"), (try? PersonIdentifier.phone(id)) != nil {
            return .phone
        }
        return nil
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
