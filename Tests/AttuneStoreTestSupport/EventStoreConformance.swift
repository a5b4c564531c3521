import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's event log and workspace table must do, written once and run against
/// each store (SQLite in AttuneStoreTests, PostgreSQL in AttunePostgresTests). Each check takes
/// a fresh, empty store.
package enum EventStoreConformance: ConformanceSuite {
    package typealias Store = EventStore & WorkspaceStore

    package static let other = WorkspaceID(unchecked: "other")

    /// The checks by name, for `@Test(arguments:)`.
    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("appendedEventsReadBackFieldForField", { try await appendedEventsReadBackFieldForField($0) }),
        ("duplicateIdsAreStoredOnce", { try await duplicateIdsAreStoredOnce($0) }),
        ("logOrderIsAppendOrderAndPagesCoverItOnce", { try await logOrderIsAppendOrderAndPagesCoverItOnce($0) }),
        ("recentEventsAndItemsAreTheNewestOldestFirst", { try await recentEventsAndItemsAreTheNewestOldestFirst($0) }),
        ("concurrentWritersStoreEveryEventExactlyOnce", { try await concurrentWritersStoreEveryEventExactlyOnce($0) }),
        ("aTailingReaderSeesEveryEventOnce", { try await aTailingReaderSeesEveryEventOnce($0) }),
        ("workspacesAreIsolated", { try await workspacesAreIsolated($0) }),
        ("aFailedAppendStoresNothing", { try await aFailedAppendStoresNothing($0) }),
        ("workspaceAndKeyErrors", { try await workspaceAndKeyErrors($0) }),
        ("keysAreRevokedOnceAndRestoredByReAdding", { try await keysAreRevokedOnceAndRestoredByReAdding($0) }),
        ("statsCountEventsUsersAndVisitors", { try await statsCountEventsUsersAndVisitors($0) }),
    ]

    static func prepare(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
    }

    static func appendedEventsReadBackFieldForField(_ store: some Store) async throws {
        try await prepare(store)
        var full = Fixtures.event(1, type: .purchase, user: "u1", anonymous: "a1", item: "i1", at: 5)
        full.sessionID = SessionID(unchecked: "s1")
        full.value = -12.25
        // Multi-byte text, quotes and backslashes come back byte for byte, not re-encoded.
        full.properties = #"{"currency":"EUR","note":"crème \"brûlée\" \\ 🍮"}"#
        full.context = #"{"ip":"127.0.0.1"}"#
        full.receivedAt = Fixtures.now.adding(milliseconds: 9)
        let bare = Fixtures.event(2, type: EventType(unchecked: "custom_type"), user: nil, anonymous: nil, item: nil, at: -7)
        let result = try await store.append([EventBatch(workspace: .default, events: [full, bare])])
        #expect(result == [AppendResult(inserted: 2, duplicates: 0)])

        let storedFull = try #require(try await store.event(id: full.id, in: .default))
        #expect(storedFull.event == full)
        let storedBare = try #require(try await store.event(id: bare.id, in: .default))
        #expect(storedBare.event == bare)
        #expect(storedBare.sequence > storedFull.sequence)
        #expect(try await store.event(id: full.id, in: other) == nil)
        #expect(try await store.event(id: Fixtures.eventID(99), in: .default) == nil)
        #expect(try await store.events(in: .default, after: nil, limit: 10).map(\.event) == [full, bare])
    }

    static func duplicateIdsAreStoredOnce(_ store: some Store) async throws {
        try await prepare(store)
        let a = Fixtures.event(1)
        let b = Fixtures.event(2)
        var changed = a
        changed.type = .purchase
        changed.properties = #"{"rewritten":true}"#
        let results = try await store.append([
            EventBatch(workspace: .default, events: [a, b, a]),
            EventBatch(workspace: .default, events: [changed]),
            EventBatch(workspace: other, events: [a]),
        ])
        #expect(results == [
            AppendResult(inserted: 2, duplicates: 1), AppendResult(inserted: 0, duplicates: 1),
            AppendResult(inserted: 1, duplicates: 0),
        ])
        // A replay of the whole batch (a client retrying after a lost answer) adds nothing.
        let replay = try await store.append([EventBatch(workspace: .default, events: [a, b])])
        #expect(replay == [AppendResult(inserted: 0, duplicates: 2)])
        // The first version of an id wins: a replay cannot rewrite history.
        #expect(try await store.event(id: a.id, in: .default)?.event == a)
        #expect(try await store.events(in: .default, after: nil, limit: 10).map(\.event.id) == [a.id, b.id])
        #expect(try await store.stats(of: .default).events == 2)
        #expect(try await store.stats(of: other).events == 1)
    }

    static func logOrderIsAppendOrderAndPagesCoverItOnce(_ store: some Store) async throws {
        try await prepare(store)
        // Client timestamps deliberately out of order: the log is ordered by arrival, not by them.
        let offsets: [Int64] = [50, -10, 30, 0, 20, -40, 10, 60, -20, 40, 5]
        var appended: [EventID] = []
        for (start, size) in [(0, 4), (4, 1), (5, 6)] {
            var events: [Event] = []
            for i in start..<start + size {
                let anonymousOnly = i % 3 == 0
                let user: String? = anonymousOnly ? nil : "u\(i % 2)"
                let anonymous: String? = anonymousOnly ? "a" : nil
                let item: String? = i % 4 == 0 ? nil : "i\(i)"
                events.append(Fixtures.event(UInt64(100 + i), user: user, anonymous: anonymous, item: item, at: offsets[i]))
            }
            _ = try await store.append([EventBatch(workspace: .default, events: events)])
            appended += events.map(\.id)
        }
        let all = try await store.events(in: .default, after: nil, limit: 100)
        #expect(all.map(\.event.id) == appended)
        #expect(all.map(\.sequence) == all.map(\.sequence).sorted())
        #expect(Set(all.map(\.sequence)).count == all.count)

        // Pages of 3 from each cursor cover the log once, in order.
        var paged: [EventID] = []
        var cursor: Int64?
        while true {
            let page = try await store.events(in: .default, after: cursor, limit: 3)
            if page.isEmpty { break }
            #expect(page.count <= 3)
            paged += page.map(\.event.id)
            cursor = page.last?.sequence
        }
        #expect(paged == appended)
        #expect(try await store.events(in: .default, after: all.last?.sequence, limit: 10).isEmpty)
        #expect(try await store.events(in: .default, after: nil, limit: 0).isEmpty)

        // Interactions: the events naming both a user and an item, in log order.
        let expected = all.filter { $0.event.userID != nil && $0.event.itemID != nil }
        let interactions = try await store.interactions(in: .default, after: nil, limit: 100)
        #expect(interactions.map(\.sequence) == expected.map(\.sequence))
        #expect(interactions.map(\.item) == expected.compactMap(\.event.itemID))
        #expect(interactions.map(\.timestamp) == expected.map(\.event.timestamp))
        let second = try await store.interactions(in: .default, after: interactions.first?.sequence, limit: 2)
        #expect(second.map(\.sequence) == Array(expected.dropFirst().prefix(2).map(\.sequence)))

        let user1 = try await store.events(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 100)
        #expect(user1.map(\.event.id) == all.filter { $0.event.userID?.rawValue == "u1" }.map(\.event.id))
        let user1Page = try await store.events(of: UserID(unchecked: "u1"), in: .default, after: user1.first?.sequence, limit: 1)
        #expect(user1Page.map(\.event.id) == Array(user1.dropFirst().prefix(1).map(\.event.id)))
    }

    static func recentEventsAndItemsAreTheNewestOldestFirst(_ store: some Store) async throws {
        try await prepare(store)
        let user = UserID(unchecked: "u1")
        let events = [
            Fixtures.event(1, user: "u1", item: "i1"), Fixtures.event(2, user: "u2", item: "i2"),
            Fixtures.event(3, user: "u1", item: nil), Fixtures.event(4, user: "u1", item: "i4"),
            Fixtures.event(5, user: "u1", item: "i5"),
        ]
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        let recent = try await store.recentEvents(of: user, in: .default, limit: 3)
        #expect(recent.map(\.event.id) == [Fixtures.eventID(3), Fixtures.eventID(4), Fixtures.eventID(5)])
        #expect(try await store.recentItems(of: user, in: .default, limit: 2).map(\.rawValue) == ["i4", "i5"])
        #expect(try await store.recentItems(of: user, in: .default, limit: 10).map(\.rawValue) == ["i1", "i4", "i5"])
        #expect(try await store.recentEvents(of: UserID(unchecked: "nobody"), in: .default, limit: 3).isEmpty)
        #expect(try await store.recentItems(of: user, in: other, limit: 3).isEmpty)
        #expect(try await store.recentEvents(of: user, in: WorkspaceID(unchecked: "ghost"), limit: 3).isEmpty)
    }

    static func concurrentWritersStoreEveryEventExactlyOnce(_ store: some Store) async throws {
        try await prepare(store)
        // Four writers; each id is sent by two of them (writer w sends ids w*150 ..< w*150+300),
        // in batches of 50 in both workspaces, so duplicates race across transactions.
        let writers = 4
        let totals = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var inserted = 0
                    var duplicates = 0
                    for batch in 0..<6 {
                        let base = UInt64(writer * 150 + batch * 50)
                        let events = (0..<50).map { i in Fixtures.event(base + UInt64(i), user: "u\(i % 7)", item: "i\(i)") }
                        let results = try await store.append([
                            EventBatch(workspace: .default, events: events), EventBatch(workspace: other, events: events),
                        ])
                        inserted += results.map(\.inserted).reduce(0, +)
                        duplicates += results.map(\.duplicates).reduce(0, +)
                    }
                    return (inserted, duplicates)
                }
            }
            var sums = (0, 0)
            for try await (inserted, duplicates) in group {
                sums.0 += inserted
                sums.1 += duplicates
            }
            return sums
        }
        let distinct = (writers - 1) * 150 + 300
        #expect(totals.0 == 2 * distinct)
        #expect(totals.1 == 2 * (writers * 300 - distinct))
        for workspace in [WorkspaceID.default, other] {
            #expect(try await store.stats(of: workspace).events == distinct)
            let log = try await store.events(in: workspace, after: nil, limit: 10_000)
            #expect(log.count == distinct)
            #expect(Set(log.map(\.event.id)) == Set((0..<UInt64(distinct)).map(Fixtures.eventID)))
            #expect(log.map(\.sequence) == log.map(\.sequence).sorted())
        }
    }

    /// A consumer that follows the log with `after: cursor` while writers append must not skip
    /// an event: an event may never become visible with a sequence number below one already read.
    static func aTailingReaderSeesEveryEventOnce(_ store: some Store) async throws {
        try await prepare(store)
        let writers = 3
        let batches = 15
        let done = Locked(false)
        let seen = try await withThrowingTaskGroup(of: [EventID].self) { group in
            group.addTask {
                var ids: [EventID] = []
                var cursor: Int64?
                while true {
                    let finished = done.withLock { $0 }
                    let page = try await store.events(in: .default, after: cursor, limit: 40)
                    ids += page.map(\.event.id)
                    cursor = page.last?.sequence ?? cursor
                    if page.isEmpty {
                        if finished { return ids }
                        await Task.yield()
                    }
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { writersGroup in
                for writer in 0..<writers {
                    writersGroup.addTask {
                        for batch in 0..<batches {
                            let base = UInt64(writer * 10_000 + batch * 20)
                            let events = (0..<20).map { Fixtures.event(base + UInt64($0), user: "u\(writer)") }
                            _ = try await store.append([EventBatch(workspace: .default, events: events)])
                        }
                    }
                }
                try await writersGroup.waitForAll()
            }
            done.withLock { $0 = true }
            return try await group.next() ?? []
        }
        #expect(seen.count == writers * batches * 20)
        #expect(Set(seen).count == seen.count)
    }

    static func workspacesAreIsolated(_ store: some Store) async throws {
        try await prepare(store)
        let shared = Fixtures.event(1, user: "u1", item: "i1")
        var otherVersion = shared
        otherVersion.type = .purchase
        _ = try await store.append([
            EventBatch(workspace: .default, events: [shared, Fixtures.event(2, user: "u1", item: "i2")]),
            EventBatch(workspace: other, events: [otherVersion]),
        ])
        // The same id is a different event in each workspace.
        #expect(try await store.event(id: shared.id, in: .default)?.event.type == .view)
        #expect(try await store.event(id: shared.id, in: other)?.event.type == .purchase)
        let user = UserID(unchecked: "u1")
        #expect(try await store.events(of: user, in: .default, after: nil, limit: 10).count == 2)
        #expect(try await store.events(of: user, in: other, after: nil, limit: 10).map(\.event) == [otherVersion])
        #expect(try await store.recentItems(of: user, in: other, limit: 10).map(\.rawValue) == ["i1"])
        #expect(try await store.interactions(in: other, after: nil, limit: 10).count == 1)
        #expect(try await store.stats(of: .default).events == 2)
        #expect(try await store.stats(of: other).events == 1)

        // An unknown workspace reads as empty, never as another's data.
        let ghost = WorkspaceID(unchecked: "ghost")
        #expect(try await store.events(in: ghost, after: nil, limit: 10).isEmpty)
        #expect(try await store.events(of: user, in: ghost, after: nil, limit: 10).isEmpty)
        #expect(try await store.interactions(in: ghost, after: nil, limit: 10).isEmpty)
        #expect(try await store.event(id: shared.id, in: ghost) == nil)
        #expect(try await store.stats(of: ghost) == StoreStats())
        #expect(try await store.workspaces() == [.default, other])
    }

    static func aFailedAppendStoresNothing(_ store: some Store) async throws {
        try await prepare(store)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
        let error = await #expect(throws: AttuneError.self) {
            try await store.append([
                EventBatch(workspace: .default, events: [Fixtures.event(2), Fixtures.event(3)]),
                EventBatch(workspace: WorkspaceID(unchecked: "ghost"), events: [Fixtures.event(4)]),
            ])
        }
        #expect(error?.code == .notFound)
        // One transaction: the valid batch before the failure is rolled back too.
        #expect(try await store.stats(of: .default).events == 1)
        #expect(try await store.events(in: .default, after: nil, limit: 10).map(\.event.id) == [Fixtures.eventID(1)])
        #expect(try await store.event(id: Fixtures.eventID(2), in: .default) == nil)

        // Nothing to do is not an error.
        #expect(try await store.append([]) == [])
        #expect(try await store.append([EventBatch(workspace: .default, events: [])]) == [AppendResult()])
        #expect(try await store.stats(of: .default).events == 1)
    }

    static func workspaceAndKeyErrors(_ store: some Store) async throws {
        try await prepare(store)
        let conflict = await #expect(throws: AttuneError.self) { try await store.createWorkspace(other, at: Fixtures.now) }
        #expect(conflict?.code == .conflict)
        try await store.createWorkspace(WorkspaceID(unchecked: "third"), at: Fixtures.now)
        try await store.ensureWorkspace(WorkspaceID(unchecked: "third"), at: Fixtures.now)
        #expect(try await store.workspaces() == [.default, other, WorkspaceID(unchecked: "third")])
        let missing = await #expect(throws: AttuneError.self) {
            try await store.addKey(APIKeyRecord(
                id: "key_2", workspace: WorkspaceID(unchecked: "nope"), scope: .admin, digest: [9], label: "x",
                createdAt: Fixtures.now))
        }
        #expect(missing?.code == .notFound)
        #expect(try await store.keys().isEmpty)
        #expect(try await store.revokeKey(id: "no-such-key", at: Fixtures.now) == nil)
        try await store.revokeKeys(labelled: "x", in: WorkspaceID(unchecked: "nope"), at: Fixtures.now)
    }

    static func keysAreRevokedOnceAndRestoredByReAdding(_ store: some Store) async throws {
        try await prepare(store)
        let write = APIKeyRecord(
            id: "key_w", workspace: other, scope: .write, digest: [1, 2, 3, 0, 255], label: "env:write", createdAt: Fixtures.now,
            rate: 12.5)
        let read = APIKeyRecord(id: "key_r", workspace: .default, scope: .read, digest: [4], label: "env:read", createdAt: Fixtures.now)
        try await store.addKey(write)
        try await store.addKey(read)
        // Listed by workspace name, then creation time.
        #expect(try await store.keys() == [read, write])
        try await store.revokeKeys(labelled: "env:write", in: .default, at: Fixtures.now)
        #expect(try await store.keys().allSatisfy { $0.revokedAt == nil })

        let first = Fixtures.now.adding(milliseconds: 1_000)
        try await store.revokeKeys(labelled: "env:write", in: other, at: first)
        #expect(try await store.revokeKey(id: "key_w", at: first.adding(milliseconds: 5)) == {
            var revoked = write
            revoked.revokedAt = first
            return revoked
        }())
        let revoked = try #require(try await store.revokeKey(id: "key_r", at: first))
        #expect(revoked.revokedAt == first)
        // Adding a key with the same digest again brings it back.
        try await store.addKey(write)
        #expect(try await store.keys().first { $0.id == "key_w" }?.revokedAt == nil)
    }

    static func statsCountEventsUsersAndVisitors(_ store: some Store) async throws {
        try await prepare(store)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: "u1"), Fixtures.event(2, user: "u1"), Fixtures.event(3, user: "u2"),
            Fixtures.event(4, user: nil, anonymous: "a1"), Fixtures.event(5, user: nil, anonymous: nil),
        ])])
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1, user: "u1"), Fixtures.event(6, user: "u3")])])
        let stats = try await store.stats(of: .default)
        #expect(stats.events == 6)
        #expect(stats.users == 3)
        #expect(stats.anonymousVisitors == 1)
        #expect(stats.withheldEvents == 0)
        #expect(try await store.stats(of: other) == StoreStats())
    }
}
