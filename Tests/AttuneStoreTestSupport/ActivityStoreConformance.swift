import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's dashboard aggregates must do (arrival buckets, active users, top items,
/// recorded segment sizes); run against each store (SQLite in AttuneStoreTests, PostgreSQL in
/// AttunePostgresTests). Each check takes a fresh, empty store.
package enum ActivityStoreConformance {
    package typealias Store = EventStore & WorkspaceStore & ActivityStore

    /// How a backend makes and deletes segments, which the checks need but which not every backend
    /// stores through `SegmentStore` yet.
    package struct Segments: Sendable {
        /// Makes a rule segment `id` whose members are every user with an event.
        package var createSegmentOfEveryone: @Sendable (_ id: SegmentID) async throws -> Void
        package var deleteSegment: @Sendable (_ id: SegmentID) async throws -> Void

        package init(
            createSegmentOfEveryone: @escaping @Sendable (_ id: SegmentID) async throws -> Void,
            deleteSegment: @escaping @Sendable (_ id: SegmentID) async throws -> Void
        ) {
            self.createSegmentOfEveryone = createSegmentOfEveryone
            self.deleteSegment = deleteSegment
        }
    }

    package static let other = WorkspaceID(unchecked: "other")
    static let minute: Int64 = 60_000
    static let day: Int64 = 86_400_000

    /// The checks by name, for `@Test(arguments:)`.
    package static let checks: [(name: String, run: @Sendable (any Store, Segments) async throws -> Void)] = [
        ("arrivalsAreCountedPerBucketByArrivalTimeAndType", { store, _ in
            try await arrivalsAreCountedPerBucketByArrivalTimeAndType(store)
        }),
        ("topItemsAndActiveUsers", { store, _ in try await topItemsAndActiveUsers(store) }),
        ("segmentSizesAreRecordedKeptForTheirWindowAndDroppedWithTheSegment", { store, segments in
            try await segmentSizesAreRecordedKeptForTheirWindowAndDroppedWithTheSegment(store, segments)
        }),
    ]

    package static var names: [String] { checks.map(\.name) }

    /// Runs the check called `name` on `store`, making segments through `segments`.
    package static func run(_ name: String, on store: any Store, segments: Segments) async throws {
        let check = try #require(checks.first { $0.name == name }, "no conformance check named \(name)")
        try await check.run(store, segments)
    }

    static func event(
        _ n: UInt64, _ type: EventType = .view, user: String? = "u1", anonymous: String? = nil, item: String? = "i1",
        arrived offset: Int64, at time: Int64 = 0
    ) -> Event {
        var event = Fixtures.event(n, type: type, user: user, anonymous: anonymous, item: item, at: time)
        event.receivedAt = Fixtures.now.adding(milliseconds: offset)
        return event
    }

    static func prepare(_ store: some Store, _ events: [Event]) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
    }

    static func arrivalsAreCountedPerBucketByArrivalTimeAndType(_ store: some Store) async throws {
        try await prepare(store, [
            event(1, arrived: 0), event(2, arrived: 59_999), event(3, arrived: minute), event(4, .click, arrived: minute + 1),
            event(5, arrived: 3 * minute),  // past the last bucket
            event(6, arrived: -1),  // before the first
        ])
        let all = try await store.arrivals(in: .default, from: Fixtures.now, bucketMilliseconds: minute, buckets: 3, type: nil)
        #expect(all == [2, 2, 0])
        let clicks = try await store.arrivals(in: .default, from: Fixtures.now, bucketMilliseconds: minute, buckets: 3, type: .click)
        #expect(clicks == [0, 1, 0])
        let elsewhere = try await store.arrivals(in: other, from: Fixtures.now, bucketMilliseconds: minute, buckets: 3, type: nil)
        #expect(elsewhere == [0, 0, 0])
        let unknown = try await store.arrivals(
            in: WorkspaceID(unchecked: "nowhere"), from: Fixtures.now, bucketMilliseconds: minute, buckets: 2, type: nil)
        #expect(unknown == [0, 0])
        #expect(try await store.arrivals(in: .default, from: Fixtures.now, bucketMilliseconds: minute, buckets: 0, type: nil).isEmpty)
        // A span past the last representable time counts up to it rather than overflowing.
        let huge = try await store.arrivals(in: .default, from: Fixtures.now, bucketMilliseconds: .max / 2, buckets: 3, type: nil)
        #expect(huge == [5, 0, 0])
    }

    static func topItemsAndActiveUsers(_ store: some Store) async throws {
        try await prepare(store, [
            event(1, user: "a", item: "x", arrived: 0, at: -10 * minute), event(2, user: "b", item: "y", arrived: 0, at: -2 * minute),
            event(3, user: "c", item: "y", arrived: 0, at: -1 * minute), event(4, user: "c", item: nil, arrived: 0),
            event(5, user: "d", item: "z", arrived: -2 * day, at: -2 * day),
            // Ties are broken in byte order: "B" before "a" whatever the database's locale.
            event(6, user: nil, anonymous: "v", item: "a", arrived: -3 * day, at: -3 * day),
            event(7, user: nil, anonymous: "v", item: "B", arrived: -3 * day, at: -3 * day),
        ])
        let top = try await store.topItems(in: .default, since: Fixtures.now.adding(milliseconds: -day), limit: 10)
        #expect(top == [ItemCount(item: ItemID(unchecked: "y"), events: 2), ItemCount(item: ItemID(unchecked: "x"), events: 1)])
        #expect(try await store.topItems(in: .default, since: Fixtures.now, limit: 1).count == 1)
        let ties = try await store.topItems(in: .default, since: Fixtures.now.adding(milliseconds: -4 * day), limit: 10)
        #expect(ties.map(\.item.rawValue) == ["y", "B", "a", "x", "z"])
        #expect(try await store.topItems(in: other, since: Timestamp(millisecondsSinceEpoch: 0), limit: 10).isEmpty)
        #expect(try await store.activeUsers(in: .default, since: Fixtures.now.adding(milliseconds: -5 * minute)) == 2)
        #expect(try await store.activeUsers(in: .default, since: Fixtures.now.adding(milliseconds: -3 * day)) == 4)
        #expect(try await store.activeUsers(in: other, since: Timestamp(millisecondsSinceEpoch: 0)) == 0)
        #expect(try await store.recentUsers(in: .default, limit: 2) == [UserID(unchecked: "c"), UserID(unchecked: "b")])
        #expect(try await store.recentUsers(in: .default, limit: -1).isEmpty)
        #expect(try await store.recentUsers(in: WorkspaceID(unchecked: "nowhere"), limit: 2).isEmpty)
    }

    static func segmentSizesAreRecordedKeptForTheirWindowAndDroppedWithTheSegment(_ store: some Store, _ segments: Segments)
        async throws
    {
        try await prepare(store, [event(1, arrived: 0)])
        let id = SegmentID(unchecked: "seg_all")
        try await segments.createSegmentOfEveryone(id)
        for d in 0..<3 {
            let time = Fixtures.now.adding(milliseconds: Int64(d) * day)
            try await store.recordSegmentSizes(in: .default, at: time, keepingSince: time.adding(milliseconds: -day))
        }
        // Recording twice at one time keeps one record.
        let last = Fixtures.now.adding(milliseconds: 2 * day)
        try await store.recordSegmentSizes(in: .default, at: last, keepingSince: last.adding(milliseconds: -day))
        let sizes = try await store.segmentSizes(in: .default, since: Timestamp(millisecondsSinceEpoch: 0))
        #expect(sizes[id]?.map(\.time) == [Fixtures.now.adding(milliseconds: day), last])
        #expect(sizes[id]?.allSatisfy { $0.members == 1 } == true)
        #expect(try await store.segmentSizes(in: .default, since: last).mapValues(\.count) == [id: 1])
        #expect(try await store.segmentSizes(in: other, since: Timestamp(millisecondsSinceEpoch: 0)).isEmpty)
        try await segments.deleteSegment(id)
        #expect(try await store.segmentSizes(in: .default, since: Timestamp(millisecondsSinceEpoch: 0)).isEmpty)
    }
}
