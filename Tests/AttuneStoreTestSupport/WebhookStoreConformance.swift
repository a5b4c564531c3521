import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's webhook store must do, written once and run against each store (SQLite
/// in AttuneStoreTests, PostgreSQL in AttunePostgresTests). Each check takes a fresh, empty store.
package enum WebhookStoreConformance: ConformanceSuite {
    package typealias Store = WebhookStore & EventStore & WorkspaceStore

    package static let other = WorkspaceID(unchecked: "other")

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("webhooksStartAtTheNewestEventAndAreListedAndDeleted", { try await webhooksStartAtTheNewestEventAndAreListedAndDeleted($0) }),
        ("aWorkspaceHoldsABoundedNumberOfWebhooks", { try await aWorkspaceHoldsABoundedNumberOfWebhooks($0) }),
        ("deliveryStateIsStoredAndTheCursorNeverMovesBack", { try await deliveryStateIsStoredAndTheCursorNeverMovesBack($0) }),
        ("segmentChangesAreReadInLogOrderAndPaged", { try await segmentChangesAreReadInLogOrderAndPaged($0) }),
        ("segmentChangesOfAnEmptyOrUnknownLog", { try await segmentChangesOfAnEmptyOrUnknownLog($0) }),
        ("aTailingDispatcherSeesEveryChangeOnce", { try await aTailingDispatcherSeesEveryChangeOnce($0) }),
        ("deadLettersAreReadNewestFirstPerWebhook", { try await deadLettersAreReadNewestFirstPerWebhook($0) }),
    ]

    static func prepare(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
    }

    static func hook(_ id: String, segment: String? = nil, at offset: Int64 = 0) -> Webhook {
        Webhook(
            id: id, url: "https://example.com/hooks/\(id)?q='1'&x=\"2\"", secret: "whsec_🔑 'quoted' \\",
            segment: segment.map(SegmentID.init(unchecked:)), createdAt: Fixtures.now.adding(milliseconds: offset),
            cursor: -42, attempts: 7, nextAttemptAt: 99, lastError: "ignored")
    }

    /// A segment event as the segment store writes it into the log.
    static func change(_ n: UInt64, entered: Bool = true, user: String? = "u1", properties: String? = #"{"segment":"s1"}"#) -> Event {
        var event = Fixtures.event(n, type: entered ? SegmentEvents.entered : SegmentEvents.left, user: user, item: nil, at: Int64(n))
        event.properties = properties
        return event
    }

    static func sequences(_ store: some Store, _ workspace: WorkspaceID) async throws -> [EventID: Int64] {
        Dictionary(uniqueKeysWithValues: try await store.events(in: workspace, after: nil, limit: -1).map { ($0.event.id, $0.sequence) })
    }

    static func webhooksStartAtTheNewestEventAndAreListedAndDeleted(_ store: some Store) async throws {
        try await prepare(store)
        let empty = try await store.createWebhook(hook("h0"), in: .default)
        #expect(empty.cursor == 0)
        #expect(empty.attempts == 7)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1), Fixtures.event(2)])])
        _ = try await store.append([EventBatch(workspace: other, events: [Fixtures.event(3)])])
        // The newest event of the whole log, whichever workspace holds it.
        let newest = try #require(try await store.events(in: other, after: nil, limit: 10).last?.sequence)
        let b = try await store.createWebhook(hook("b", segment: "s1", at: 5), in: .default)
        let a = try await store.createWebhook(hook("a", at: 5), in: .default)
        #expect(b.cursor == newest)
        #expect(a.cursor == newest)
        let stored = [
            Webhook(id: "h0", url: empty.url, secret: empty.secret, segment: nil, createdAt: empty.createdAt, cursor: 0),
            Webhook(id: "a", url: a.url, secret: a.secret, segment: nil, createdAt: a.createdAt, cursor: newest),
            Webhook(id: "b", url: b.url, secret: b.secret, segment: SegmentID(unchecked: "s1"), createdAt: b.createdAt, cursor: newest),
        ]
        // Creation time, then id; the delivery state starts afresh whatever the caller passed.
        #expect(try await store.webhooks(in: .default) == stored)
        #expect(try await store.webhooks(in: other).isEmpty)

        // A taken id is refused and the stored webhook is kept.
        await #expect(throws: (any Error).self) { try await store.createWebhook(hook("a", segment: "s2"), in: .default) }
        #expect(try await store.webhooks(in: .default) == stored)

        let ghost = WorkspaceID(unchecked: "ghost")
        let unknown = await #expect(throws: AttuneError.self) { try await store.createWebhook(hook("z"), in: ghost) }
        #expect(unknown?.code == .notFound)
        #expect(try await store.webhooks(in: ghost).isEmpty)

        #expect(try await store.deleteWebhook("a", in: other) == false)
        #expect(try await store.deleteWebhook("a", in: ghost) == false)
        #expect(try await store.deleteWebhook("missing", in: .default) == false)
        #expect(try await store.deleteWebhook("a", in: .default) == true)
        #expect(try await store.deleteWebhook("a", in: .default) == false)
        #expect(try await store.webhooks(in: .default).map(\.id) == ["h0", "b"])
    }

    static func aWorkspaceHoldsABoundedNumberOfWebhooks(_ store: some Store) async throws {
        try await prepare(store)
        for index in 0..<SQLiteStore.maxWebhooks { _ = try await store.createWebhook(hook("h\(index)"), in: .default) }
        let full = await #expect(throws: AttuneError.self) { try await store.createWebhook(hook("one-more"), in: .default) }
        #expect(full?.code == .conflict)
        #expect(try await store.webhooks(in: .default).count == SQLiteStore.maxWebhooks)
        _ = try await store.createWebhook(hook("one-more"), in: other)
    }

    static func deliveryStateIsStoredAndTheCursorNeverMovesBack(_ store: some Store) async throws {
        try await prepare(store)
        var hook = try await store.createWebhook(hook("h"), in: .default)
        _ = try await store.createWebhook(Self.hook("h"), in: other)
        hook.cursor = 10
        hook.attempts = 3
        hook.nextAttemptAt = .max
        hook.lastError = "HTTP 503 — crème 🍮 'quoted'"
        try await store.updateDelivery(of: hook, in: .default)
        #expect(try await store.webhooks(in: .default) == [hook])
        #expect(try await store.webhooks(in: other).first?.cursor == 0)

        // A writer that fell behind (its cursor is older) changes nothing.
        var stale = hook
        stale.cursor = 9
        stale.attempts = 0
        stale.lastError = nil
        try await store.updateDelivery(of: stale, in: .default)
        #expect(try await store.webhooks(in: .default) == [hook])

        // The same cursor with a new attempt, then a later cursor, are stored.
        hook.attempts = 4
        hook.nextAttemptAt = -1
        try await store.updateDelivery(of: hook, in: .default)
        #expect(try await store.webhooks(in: .default) == [hook])
        hook.cursor = .max
        hook.attempts = 0
        hook.lastError = nil
        try await store.updateDelivery(of: hook, in: .default)
        #expect(try await store.webhooks(in: .default) == [hook])

        // An unknown webhook is no error and creates nothing; an unknown workspace is an error.
        var unknown = hook
        unknown.id = "missing"
        try await store.updateDelivery(of: unknown, in: .default)
        #expect(try await store.webhooks(in: .default).map(\.id) == ["h"])
        let error = await #expect(throws: AttuneError.self) { try await store.updateDelivery(of: hook, in: WorkspaceID(unchecked: "ghost")) }
        #expect(error?.code == .notFound)
    }

    static func segmentChangesAreReadInLogOrderAndPaged(_ store: some Store) async throws {
        try await prepare(store)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            change(1, user: "u1"),
            Fixtures.event(2),  // not a segment event
            change(3, entered: false, user: "u2", properties: #"{"segment":"s2","extra":[1,2]}"#),
            change(4, user: nil),  // names no user: not read
            change(5, properties: "not json"),  // read, but names no segment: skipped
            change(6, properties: nil),
            change(7, properties: #"{"segment":7}"#),
            change(8, user: "u3", properties: #"{"segment":"crème 🍮 \"s\""}"#),
        ])])
        _ = try await store.append([EventBatch(workspace: other, events: [change(9, user: "elsewhere")])])
        let seq = try await sequences(store, .default)
        let newest = try #require(try await store.events(in: other, after: nil, limit: 10).last?.sequence)
        let expected = [
            SegmentChange(
                sequence: seq[Fixtures.eventID(1)]!, entered: true, user: UserID(unchecked: "u1"), segment: SegmentID(unchecked: "s1"),
                time: Fixtures.now.adding(milliseconds: 1)),
            SegmentChange(
                sequence: seq[Fixtures.eventID(3)]!, entered: false, user: UserID(unchecked: "u2"), segment: SegmentID(unchecked: "s2"),
                time: Fixtures.now.adding(milliseconds: 3)),
            SegmentChange(
                sequence: seq[Fixtures.eventID(8)]!, entered: true, user: UserID(unchecked: "u3"),
                segment: SegmentID(unchecked: #"crème 🍮 "s""#), time: Fixtures.now.adding(milliseconds: 8)),
        ]

        let all = try await store.segmentChanges(in: .default, after: 0, limit: 100)
        #expect(all.changes == expected)
        // Not a full page: the scan covered the whole log, other workspaces' events included.
        #expect(all.scannedTo == newest)

        // A full page stops at its last row, even one that is skipped, and the next goes on from there.
        let first = try await store.segmentChanges(in: .default, after: 0, limit: 2)
        #expect(first.changes == Array(expected.prefix(2)))
        #expect(first.scannedTo == seq[Fixtures.eventID(3)]!)
        let second = try await store.segmentChanges(in: .default, after: first.scannedTo, limit: 2)
        #expect(second.changes.isEmpty)
        #expect(second.scannedTo == seq[Fixtures.eventID(6)]!)
        let third = try await store.segmentChanges(in: .default, after: second.scannedTo, limit: 2)
        #expect(third.changes == [expected[2]])
        #expect(third.scannedTo == seq[Fixtures.eventID(8)]!)
        let last = try await store.segmentChanges(in: .default, after: third.scannedTo, limit: 2)
        #expect(last.changes.isEmpty)
        #expect(last.scannedTo == newest)

        // Limits as SQL reads them: 0 reads nothing and covers nothing, a negative one is no limit.
        let none = try await store.segmentChanges(in: .default, after: 0, limit: 0)
        #expect(none.changes.isEmpty && none.scannedTo == 0)
        let unlimited = try await store.segmentChanges(in: .default, after: 0, limit: -1)
        #expect(unlimited.changes == expected && unlimited.scannedTo == newest)

        // A cursor past the end stays where it is.
        let ahead = try await store.segmentChanges(in: .default, after: newest + 100, limit: 10)
        #expect(ahead.changes.isEmpty && ahead.scannedTo == newest + 100)
        let elsewhere = try await store.segmentChanges(in: other, after: 0, limit: 10)
        #expect(elsewhere.changes.map(\.user.rawValue) == ["elsewhere"])
    }

    static func segmentChangesOfAnEmptyOrUnknownLog(_ store: some Store) async throws {
        try await prepare(store)
        let empty = try await store.segmentChanges(in: .default, after: 0, limit: 10)
        #expect(empty.changes.isEmpty && empty.scannedTo == 0)
        let negative = try await store.segmentChanges(in: .default, after: -5, limit: 10)
        #expect(negative.changes.isEmpty && negative.scannedTo == -5)
        _ = try await store.append([EventBatch(workspace: .default, events: [change(1)])])
        let ghost = try await store.segmentChanges(in: WorkspaceID(unchecked: "ghost"), after: 3, limit: 10)
        #expect(ghost.changes.isEmpty && ghost.scannedTo == 3)
    }

    /// A dispatcher moving its cursor to `scannedTo` while segment changes are appended must see
    /// each exactly once: a change numbered below the horizon of a read must not commit after it.
    static func aTailingDispatcherSeesEveryChangeOnce(_ store: some Store) async throws {
        try await prepare(store)
        let writers = 4
        let perWriter = 30
        let total = writers * perWriter
        let done = Locked(false)
        async let tail: [Int64] = {
            var cursor: Int64 = 0
            var seen: [Int64] = []
            while true {
                // Read before the page: once the writers are done, an empty page means the end.
                let finished = done.withLock { $0 }
                let page = try await store.segmentChanges(in: .default, after: cursor, limit: 7)
                seen += page.changes.map(\.sequence)
                cursor = page.scannedTo
                if finished && page.changes.isEmpty { return seen }
                await Task.yield()
            }
        }()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for n in 0..<perWriter {
                        let id = UInt64(writer * 1_000 + n + 1)
                        _ = try await store.append([EventBatch(workspace: .default, events: [change(id, user: "u\(id)")])])
                        // Another workspace's appends move the horizon too.
                        _ = try await store.append([EventBatch(workspace: other, events: [Fixtures.event(id)])])
                    }
                }
            }
            try await group.waitForAll()
        }
        done.withLock { $0 = true }
        let seen = try await tail
        #expect(seen.count == total)
        #expect(Set(seen).count == total)
        #expect(seen == seen.sorted())
    }

    static func deadLettersAreReadNewestFirstPerWebhook(_ store: some Store) async throws {
        try await prepare(store)
        _ = try await store.createWebhook(hook("a"), in: .default)
        func letter(_ webhook: String, _ sequence: Int64, error: String = "HTTP 500") -> DeadLetter {
            DeadLetter(
                webhook: webhook,
                change: SegmentChange(
                    sequence: sequence, entered: sequence.isMultiple(of: 2), user: UserID(unchecked: "u\(sequence)"),
                    segment: SegmentID(unchecked: "s 🍮"), time: Fixtures.now.adding(milliseconds: sequence % 1_000)),
                error: error, time: Fixtures.now.adding(milliseconds: -(sequence % 1_000)))
        }
        let letters = [
            letter("a", 5, error: "request failed: 'timed out' \\ 🍮"), letter("a", 2), letter("a", .max, error: ""),
        ]
        for item in letters { try await store.addDeadLetter(item, in: .default) }
        try await store.addDeadLetter(letter("b", 1), in: .default)
        try await store.addDeadLetter(letter("a", 1), in: other)

        // Newest written first, whatever the change's own sequence.
        #expect(try await store.deadLetters(of: "a", in: .default, limit: 10) == letters.reversed())
        #expect(try await store.deadLetters(of: "a", in: .default, limit: 2) == Array(letters.reversed().prefix(2)))
        #expect(try await store.deadLetters(of: "a", in: .default, limit: 0).isEmpty)
        #expect(try await store.deadLetters(of: "a", in: .default, limit: -1) == letters.reversed())
        #expect(try await store.deadLetters(of: "b", in: .default, limit: 10) == [letter("b", 1)])
        #expect(try await store.deadLetters(of: "a", in: other, limit: 10) == [letter("a", 1)])
        #expect(try await store.deadLetters(of: "a", in: WorkspaceID(unchecked: "ghost"), limit: 10).isEmpty)
        await #expect(throws: AttuneError.self) { try await store.addDeadLetter(letter("a", 3), in: WorkspaceID(unchecked: "ghost")) }

        // Deleting a webhook deletes its letters, and only its own.
        #expect(try await store.deleteWebhook("a", in: .default))
        #expect(try await store.deadLetters(of: "a", in: .default, limit: 10).isEmpty)
        #expect(try await store.deadLetters(of: "b", in: .default, limit: 10).count == 1)
        #expect(try await store.deadLetters(of: "a", in: other, limit: 10).count == 1)
    }
}
