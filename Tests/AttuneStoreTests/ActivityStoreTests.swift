import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// The dashboard's aggregates, computed by the store: arrival buckets, active users, top items and
/// recorded segment sizes.
struct ActivityStoreTests {
    let minute: Int64 = 60_000

    func event(_ n: UInt64, _ type: EventType = .view, user: String? = "u1", item: String? = "i1", arrived offset: Int64, at time: Int64 = 0)
        -> Event
    {
        var event = Fixtures.event(n, type: type, user: user, item: item, at: time)
        event.receivedAt = Fixtures.now.adding(milliseconds: offset)
        return event
    }

    func store(_ events: [Event]) async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(WorkspaceID(unchecked: "other"), at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        return store
    }

    @Test func arrivalsAreCountedPerBucketByArrivalTimeAndType() async throws {
        let store = try await store([
            event(1, arrived: 0), event(2, arrived: 59_999), event(3, arrived: minute), event(4, .click, arrived: minute + 1),
            event(5, arrived: 3 * minute),  // past the last bucket
            event(6, arrived: -1),  // before the first
        ])
        let all = try await store.arrivals(in: .default, from: Fixtures.now, bucketMilliseconds: minute, buckets: 3, type: nil)
        #expect(all == [2, 2, 0])
        let clicks = try await store.arrivals(in: .default, from: Fixtures.now, bucketMilliseconds: minute, buckets: 3, type: .click)
        #expect(clicks == [0, 1, 0])
        let elsewhere = try await store.arrivals(
            in: WorkspaceID(unchecked: "other"), from: Fixtures.now, bucketMilliseconds: minute, buckets: 3, type: nil)
        #expect(elsewhere == [0, 0, 0])
        let unknown = try await store.arrivals(
            in: WorkspaceID(unchecked: "nowhere"), from: Fixtures.now, bucketMilliseconds: minute, buckets: 2, type: nil)
        #expect(unknown == [0, 0])
        #expect(try await store.arrivals(in: .default, from: Fixtures.now, bucketMilliseconds: minute, buckets: 0, type: nil).isEmpty)
    }

    @Test func topItemsAndActiveUsers() async throws {
        let store = try await store([
            event(1, user: "a", item: "x", arrived: 0, at: -10 * minute), event(2, user: "b", item: "y", arrived: 0, at: -2 * minute),
            event(3, user: "c", item: "y", arrived: 0, at: -1 * minute), event(4, user: "c", item: nil, arrived: 0),
            event(5, user: "d", item: "z", arrived: -2 * 86_400_000, at: -2 * 86_400_000),
        ])
        let top = try await store.topItems(in: .default, since: Fixtures.now.adding(milliseconds: -86_400_000), limit: 10)
        #expect(top == [ItemCount(item: ItemID(unchecked: "y"), events: 2), ItemCount(item: ItemID(unchecked: "x"), events: 1)])
        #expect(try await store.topItems(in: .default, since: Fixtures.now, limit: 1).count == 1)
        #expect(try await store.activeUsers(in: .default, since: Fixtures.now.adding(milliseconds: -5 * minute)) == 2)
        #expect(try await store.activeUsers(in: .default, since: Fixtures.now.adding(milliseconds: -3 * 86_400_000)) == 4)
        #expect(try await store.recentUsers(in: .default, limit: 2) == [UserID(unchecked: "c"), UserID(unchecked: "b")])
    }

    @Test func segmentSizesAreRecordedKeptForTheirWindowAndDroppedWithTheSegment() async throws {
        let store = try await store([event(1, arrived: 0)])
        let id = SegmentID(unchecked: "seg_all")
        try await store.createSegment(
            Segment(id: id, name: "all", kind: .rule, rule: "traits.events > 0", createdAt: Fixtures.now, updatedAt: Fixtures.now),
            in: .default)
        _ = try await store.refreshSegments(in: .default, at: Fixtures.now, batchSize: 100)
        let day: Int64 = 86_400_000
        for d in 0..<3 {
            let time = Fixtures.now.adding(milliseconds: Int64(d) * day)
            try await store.recordSegmentSizes(in: .default, at: time, keepingSince: time.adding(milliseconds: -day))
        }
        let sizes = try await store.segmentSizes(in: .default, since: Timestamp(millisecondsSinceEpoch: 0))
        #expect(sizes[id]?.map(\.time) == [Fixtures.now.adding(milliseconds: day), Fixtures.now.adding(milliseconds: 2 * day)])
        #expect(sizes[id]?.allSatisfy { $0.members == 1 } == true)
        #expect(try await store.deleteSegment(id, in: .default))
        #expect(try await store.segmentSizes(in: .default, since: Timestamp(millisecondsSinceEpoch: 0)).isEmpty)
    }
}
