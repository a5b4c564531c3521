/// One behavioural event, validated and ready to store.
///
/// `properties` and `context` hold canonical JSON object text (keys sorted) so that storage and
/// content hashing need no second serialisation.
package struct Event: Sendable, Equatable {
    package var id: EventID
    package var type: EventType
    package var userID: UserID?
    package var anonymousID: AnonymousID?
    package var sessionID: SessionID?
    package var itemID: ItemID?
    package var value: Double?
    package var properties: String?
    package var context: String?
    package var timestamp: Timestamp
    package var receivedAt: Timestamp

    package init(
        id: EventID,
        type: EventType,
        userID: UserID? = nil,
        anonymousID: AnonymousID? = nil,
        sessionID: SessionID? = nil,
        itemID: ItemID? = nil,
        value: Double? = nil,
        properties: String? = nil,
        context: String? = nil,
        timestamp: Timestamp,
        receivedAt: Timestamp
    ) {
        self.id = id
        self.type = type
        self.userID = userID
        self.anonymousID = anonymousID
        self.sessionID = sessionID
        self.itemID = itemID
        self.value = value
        self.properties = properties
        self.context = context
        self.timestamp = timestamp
        self.receivedAt = receivedAt
    }
}

/// An event as stored: the event plus its position in the workspace's log.
package struct StoredEvent: Sendable, Equatable {
    package var sequence: Int64
    package var event: Event

    package init(sequence: Int64, event: Event) {
        self.sequence = sequence
        self.event = event
    }
}
