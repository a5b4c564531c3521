extension PersonIdentifier {
    /// At most this many identifiers in one call: a person has a few, not hundreds.
    package static let maxPerCall = 20

    /// Reads `{"email": "…", "phone": "+…", "external:crm": "C-17"}` (absent or `null`: none).
    /// Phone numbers must be in international form here (an API call has no default country); one
    /// that is not is left out and its error added to `skipped`, so the rest of the call still counts.
    /// - Throws: `AttuneError` `invalid_value` naming `field.kind`.
    package static func decodeList(_ json: JSONValue?, field: String, skipped: inout [AttuneError]) throws(AttuneError)
        -> [PersonIdentifier]
    {
        switch json {
        case nil, .null?: return []
        case .object(let members)?:
            guard members.count <= maxPerCall else { throw .invalid(field, "must hold at most \(maxPerCall) identifiers") }
            var out: [PersonIdentifier] = []
            for member in members {
                let path = "\(field).\(member.key)"
                let kind = try IdentifierKind.parse(member.key, field: path)
                guard case .string(let raw) = member.value else {
                    throw .invalid(path, "must be a string, not \(member.value.typeName)")
                }
                if kind == .phone {
                    do {
                        out.append(try phone(raw, defaultCountryCode: nil, field: path))
                    } catch {
                        skipped.append(error)
                    }
                    continue
                }
                out.append(try parse(raw, kind: kind, defaultCountryCode: nil, field: path))
            }
            return out
        case let other?: throw .invalid(field, "must be an object of kind to value, not \(other.typeName)")
        }
    }

    /// Normalises `raw` as an identifier of `kind`.
    package static func parse(_ raw: String, kind: IdentifierKind, defaultCountryCode: String?, field: String)
        throws(AttuneError) -> PersonIdentifier
    {
        switch kind {
        case .email: return try email(raw, field: field)
        case .phone: return try phone(raw, defaultCountryCode: defaultCountryCode, field: field)
        default:
            let id = try UserID.validated(raw.trimmingSpaces(), field: field)
            return PersonIdentifier(kind: kind, value: id.rawValue)
        }
    }

    /// The `email` and `phone` string values of a traits object, normalised; other values are
    /// not identifiers. A phone number that cannot be normalised is left out, its error added to
    /// `skipped` (the trait itself is still declared).
    /// - Throws: `AttuneError` naming `traits.email` when it is malformed.
    package static func fromTraits(_ traits: String?, defaultCountryCode: String?, skipped: inout [AttuneError])
        throws(AttuneError) -> [PersonIdentifier]
    {
        guard let traits, case .object(let members)? = try? JSONParser().parse(traits) else { return [] }
        var out: [PersonIdentifier] = []
        for member in members {
            guard case .string(let raw) = member.value, !raw.trimmingSpaces().isEmpty else { continue }
            switch member.key {
            case "email": out.append(try email(raw, field: "traits.email"))
            case "phone":
                do {
                    out.append(try phone(raw, defaultCountryCode: defaultCountryCode, field: "traits.phone"))
                } catch {
                    skipped.append(error)
                }
            default: continue
            }
        }
        return out
    }
}
