import AttuneCore

/// A clock that says what the test tells it to.
package final class FixedClock: WallClock {
    private let current: Locked<Timestamp>

    package init(_ start: Timestamp = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)) {
        current = Locked(start)
    }

    package func now() -> Timestamp { current.withLock { $0 } }

    package func advance(milliseconds: Int64) {
        current.withLock { $0 = $0.adding(milliseconds: milliseconds) }
    }
}

/// Small builders for events and items with sensible defaults.
package enum Fixtures {
    package static let now = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)  // 2026-01-01T00:00:00Z

    package static func eventID(_ n: UInt64) -> EventID {
        EventID(high: 0x1111_2222_3333_4444, low: n)
    }

    package static func event(
        _ n: UInt64, type: EventType = .view, user: String? = "u1", anonymous: String? = nil, item: String? = "i1",
        at offset: Int64 = 0
    ) -> Event {
        Event(
            id: eventID(n), type: type, userID: user.map(UserID.init(unchecked:)),
            anonymousID: anonymous.map(AnonymousID.init(unchecked:)), itemID: item.map(ItemID.init(unchecked:)),
            timestamp: now.adding(milliseconds: offset), receivedAt: now)
    }

    package static func item(_ id: String, title: String? = nil, categories: [String] = [], at time: Timestamp = now) -> Item {
        Item(id: ItemID(unchecked: id), title: title ?? "Item \(id)", categories: categories, createdAt: time, updatedAt: time)
    }
}
