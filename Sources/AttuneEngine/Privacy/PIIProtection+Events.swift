import AttuneCore

extension PIIProtection {
    /// Refuses an event whose user or anonymous id is an e-mail address or a phone number
    /// (``PersonalDataID``): pseudonymisation cannot reach an id, which is stored raw everywhere.
    /// - Parameters:
    ///   - user: the name of the user id's field or column, for the error.
    ///   - anonymous: the name of the anonymous id's.
    /// - Throws: `AttuneError` `invalid_value` naming the field.
    package static func refusePersonalIDs(of event: Event, user: String, anonymous: String) throws(AttuneError) {
        if let id = event.userID { try PersonalDataID.refuse(id.rawValue, field: user) }
        if let id = event.anonymousID { try PersonalDataID.refuse(id.rawValue, field: anonymous) }
    }

    /// The event with every personal field of its `properties` and `context` (at any depth: a
    /// `customer.email` is as personal as an `email`) replaced by `{"$pii": {"token": ...}}`.
    ///
    /// Events keep the matching token only, not a ciphertext: no feature, model or export needs
    /// the raw value of an event's IP or e-mail, and an event log that holds none cannot leak
    /// one; the token still lets two events with the same value be matched.
    /// - Throws: `AttuneError` when stored text is not JSON, which the decoder never produces.
    package func protect(_ event: inout Event) throws(AttuneError) {
        if let properties = event.properties, mayHoldField(properties) {
            event.properties = try tokenised(properties, field: "properties")
        }
        if let context = event.context, mayHoldField(context) {
            event.context = try tokenised(context, field: "context")
        }
    }

    /// A byte scan for `"name"` before any parse: almost every event holds no personal field,
    /// and ingestion should not pay a parse for those.
    private func mayHoldField(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in quotedFields.contains { Self.contains(bytes, $0) } }
    }

    /// Whether `pattern` (lower-case ASCII) occurs in `bytes`, ignoring ASCII case.
    private static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ pattern: [UInt8]) -> Bool {
        guard bytes.count >= pattern.count else { return false }
        for start in 0...(bytes.count - pattern.count) {
            var matched = true
            for offset in 0..<pattern.count {
                var byte = bytes[start + offset]
                if byte >= 0x41, byte <= 0x5A { byte |= 0x20 }
                if byte != pattern[offset] {
                    matched = false
                    break
                }
            }
            if matched { return true }
        }
        return false
    }

    private func tokenised(_ text: String, field: String) throws(AttuneError) -> String {
        let json: JSONValue
        do { json = try JSONParser().parse(text) } catch { throw AttuneError.invalid(field, "must be a JSON object") }
        var changed = false
        let result = tokenising(json, changed: &changed)
        return changed ? result.serialized(sortedKeys: true) : text
    }

    private func tokenising(_ value: JSONValue, changed: inout Bool) -> JSONValue {
        switch value {
        case .object(var members):
            guard members.count != 1 || members[0].key != Self.marker else { return value }
            for index in members.indices {
                if isPersonal(members[index].key), let raw = Self.personalText(members[index].value) {
                    let token = token(raw, field: members[index].key.lowercased())
                    members[index].value = .object([(Self.marker, .object([("token", .string(token))]))])
                    changed = true
                } else {
                    members[index].value = tokenising(members[index].value, changed: &changed)
                }
            }
            return .object(members)
        case .array(let elements):
            return .array(elements.map { tokenising($0, changed: &changed) })
        default:
            return value
        }
    }
}
