import AttuneCore
import AttuneStore

extension StoredEvent {
    /// The event as the API and exports show it.
    package var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(event.id.uuidString)),
            ("sequence", .number(Double(sequence))),
            ("type", .string(event.type.rawValue)),
        ]
        if let v = event.userID { members.append(("userId", .string(v.rawValue))) }
        if let v = event.anonymousID { members.append(("anonymousId", .string(v.rawValue))) }
        if let v = event.sessionID { members.append(("sessionId", .string(v.rawValue))) }
        if let v = event.itemID { members.append(("itemId", .string(v.rawValue))) }
        if let v = event.value { members.append(("value", .number(v))) }
        if let v = event.properties.flatMap({ try? JSONParser().parse($0) }) { members.append(("properties", v)) }
        if let v = event.context.flatMap({ try? JSONParser().parse($0) }) { members.append(("context", v)) }
        members.append(("timestamp", .string(event.timestamp.iso8601)))
        members.append(("receivedAt", .string(event.receivedAt.iso8601)))
        return .object(members)
    }
}
