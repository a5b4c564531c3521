/// Turns untrusted JSON into validated `Event`s, one error per problem with its field path.
///
/// Unknown top-level fields are rejected rather than dropped: a misspelt `userID` silently
/// ignored would store an event nobody can attribute.
package struct EventDecoder: Sendable {
    package static let knownFields: Set<String> = [
        "id", "type", "userId", "anonymousId", "sessionId", "itemId", "value", "properties", "context", "timestamp",
    ]
    package static let contextStringFields: Set<String> = ["userAgent", "pageUrl", "referrer", "device", "ip", "locale"]

    /// Timestamps further ahead than this are clock errors, not events.
    package var maxFutureSkewMilliseconds: Int64 = 86_400_000
    /// Upper bound on a property bag's serialised size.
    package var maxPropertiesBytes = 16 * 1024

    package init() {}

    /// Validates one event object.
    /// - Parameters:
    ///   - json: the untrusted value.
    ///   - receivedAt: when the server received it; also the timestamp when none is sent.
    ///   - newID: called only when the event carries no id.
    package func decode(
        _ json: JSONValue,
        receivedAt: Timestamp,
        newID: () -> EventID
    ) throws(AttuneError) -> Event {
        guard let members = json.objectMembers else {
            throw .invalid("", "an event must be a JSON object, not \(json.typeName)")
        }
        for member in members where !Self.knownFields.contains(member.key) {
            throw .invalid(member.key, "unknown field")
        }
        let id: EventID
        switch json["id"] {
        case nil, .null?: id = newID()
        case .string(let text)?:
            guard let parsed = EventID(uuidString: text) else { throw .invalid("id", "must be a UUID") }
            id = parsed
        case let other?: throw .invalid("id", "must be a UUID string, not \(other.typeName)")
        }
        guard let typeValue = json["type"], typeValue != .null else { throw .missing("type") }
        guard case .string(let typeText) = typeValue else { throw .invalid("type", "must be a string") }
        let type = try EventType.validated(typeText, field: "type")

        let userID: UserID? = try Self.identifier(json["userId"], field: "userId")
        let anonymousID: AnonymousID? = try Self.identifier(json["anonymousId"], field: "anonymousId")
        guard userID != nil || anonymousID != nil else {
            throw AttuneError(code: .missingField, message: "userId or anonymousId is required", field: "userId")
        }
        let sessionID: SessionID? = try Self.identifier(json["sessionId"], field: "sessionId")
        let itemID: ItemID? = try Self.identifier(json["itemId"], field: "itemId")

        var value: Double?
        switch json["value"] {
        case nil, .null?: value = nil
        case .number(let n)?: value = n
        case let other?: throw .invalid("value", "must be a number, not \(other.typeName)")
        }

        let properties = try objectText(json["properties"], field: "properties")
        if let context = json["context"], context != .null {
            guard let contextMembers = context.objectMembers else {
                throw .invalid("context", "must be an object, not \(context.typeName)")
            }
            for member in contextMembers where Self.contextStringFields.contains(member.key) {
                guard case .string(let s) = member.value else {
                    throw .invalid("context.\(member.key)", "must be a string")
                }
                guard s.utf8.count <= 2048 else { throw .invalid("context.\(member.key)", "must be at most 2048 bytes") }
            }
        }
        let context = try objectText(json["context"], field: "context")

        let timestamp = try Self.timestamp(json["timestamp"], field: "timestamp", receivedAt: receivedAt, maxSkew: maxFutureSkewMilliseconds)
            ?? receivedAt
        return Event(
            id: id, type: type, userID: userID, anonymousID: anonymousID, sessionID: sessionID, itemID: itemID,
            value: value, properties: properties, context: context, timestamp: timestamp, receivedAt: receivedAt)
    }

    /// Identifiers may be sent as strings or integers (many systems number their users).
    package static func identifier<ID: ExternalIdentifier>(_ value: JSONValue?, field: String) throws(AttuneError) -> ID? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return try ID.validated(s, field: field)
        case .number(let n)?:
            guard n == n.rounded(), abs(n) < 9.007_199_254_740_992e15 else {
                throw .invalid(field, "must be a string or an integer")
            }
            return ID(unchecked: String(Int64(n)))
        case let other?: throw .invalid(field, "must be a string, not \(other.typeName)")
        }
    }

    /// Epoch milliseconds (number or digit string) or an ISO-8601 string.
    package static func timestamp(
        _ value: JSONValue?, field: String, receivedAt: Timestamp, maxSkew: Int64
    ) throws(AttuneError) -> Timestamp? {
        let result: Timestamp
        switch value {
        case nil, .null?: return nil
        case .number(let n)?:
            result = try milliseconds(n, field: field)
        case .string(let s)?:
            if let n = Int64(s) {
                result = try milliseconds(Double(n), field: field)
            } else if let parsed = Timestamp(iso8601: s) {
                result = parsed
            } else {
                throw .invalid(field, "must be ISO-8601 or epoch milliseconds")
            }
        case let other?: throw .invalid(field, "must be a string or a number, not \(other.typeName)")
        }
        guard result.millisecondsSinceEpoch >= 0 else { throw .invalid(field, "must not be before 1970") }
        guard result.millisecondsSinceEpoch <= receivedAt.millisecondsSinceEpoch + maxSkew else {
            throw .invalid(field, "is too far in the future")
        }
        return result
    }

    private static func milliseconds(_ n: Double, field: String) throws(AttuneError) -> Timestamp {
        guard n == n.rounded(), n >= 0, n < 1e15 else { throw .invalid(field, "must be whole epoch milliseconds") }
        // Ten-digit values are seconds sent by mistake; storing them would date the event 1970.
        guard n >= 100_000_000_000 else { throw .invalid(field, "looks like epoch seconds; send milliseconds") }
        return Timestamp(millisecondsSinceEpoch: Int64(n))
    }

    private func objectText(_ value: JSONValue?, field: String) throws(AttuneError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .object(let members)?:
            if members.isEmpty { return nil }
            let text = value!.serialized(sortedKeys: true)
            guard text.utf8.count <= maxPropertiesBytes else {
                throw .invalid(field, "must be at most \(maxPropertiesBytes) bytes of JSON")
            }
            return text
        case let other?: throw .invalid(field, "must be an object, not \(other.typeName)")
        }
    }
}
