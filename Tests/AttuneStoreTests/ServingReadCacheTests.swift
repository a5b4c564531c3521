import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// The per-user reads of the serving path are answered from memory until the database changes:
/// whatever is committed (by this store, by another connection, by another process) shows in the
/// very next read.
struct ServingReadCacheTests {
    static let user = UserID(unchecked: "u1")

    static func withFile(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("db.sqlite").path)
    }

    static func recent(_ store: SQLiteStore, limit: Int = 200) async throws -> [String] {
        try await store.recentItems(of: user, in: .default, limit: limit).map(\.rawValue)
    }

    @Test func anAppendShowsInTheNextReadOnDisk() async throws {
        try await Self.withFile { path in
            let store = try SQLiteStore(path: path)
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1, item: "a")])])
            #expect(try await Self.recent(store) == ["a"])
            #expect(try await Self.recent(store) == ["a"])
            _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(2, item: "b", at: 1)])])
            #expect(try await Self.recent(store) == ["a", "b"])
            // Another limit is another answer, not the cached one cut short.
            #expect(try await Self.recent(store, limit: 1) == ["b"])
        }
    }

    @Test func anAppendShowsInTheNextReadInMemory() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1, item: "a")])])
        #expect(try await Self.recent(store) == ["a"])
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(2, item: "b", at: 1)])])
        #expect(try await Self.recent(store) == ["a", "b"])
    }

    @Test func aWriteByAnotherConnectionShowsInTheNextRead() async throws {
        try await Self.withFile { path in
            let server = try SQLiteStore(path: path)
            try await server.ensureWorkspace(.default, at: Fixtures.now)
            _ = try await server.append([EventBatch(workspace: .default, events: [Fixtures.event(1, item: "a")])])
            #expect(try await Self.recent(server) == ["a"])
            // Another store on the same file stands for another process (an import while serving).
            let other = try SQLiteStore(path: path)
            _ = try await other.append([EventBatch(workspace: .default, events: [Fixtures.event(2, item: "b", at: 1)])])
            #expect(try await Self.recent(server) == ["a", "b"])
            // A link made elsewhere brings the visitor's events into the user's recent items.
            _ = try await other.append([
                EventBatch(workspace: .default, events: [Fixtures.event(3, user: nil, anonymous: "v1", item: "c", at: 2)])
            ])
            #expect(try await Self.recent(server) == ["a", "b"])
            try await other.record(
                Identify(anonymousID: AnonymousID(unchecked: "v1"), userID: Self.user, traits: nil, timestamp: Fixtures.now),
                in: .default)
            #expect(try await Self.recent(server) == ["a", "b", "c"])
        }
    }

    @Test func aNegativeMentionShowsInTheNextRead() async throws {
        try await Self.withFile { path in
            let store = try SQLiteStore(path: path)
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            #expect(try await store.negativelyMentioned(by: Self.user, in: .default, threshold: -0.5).isEmpty)
            let text = CustomerText(
                id: TextID(unchecked: "t1"), user: Self.user, source: .chat, body: "bad", time: Fixtures.now,
                sentiment: -0.9, sentimentLabel: "negative", entities: "[]",
                mentions: [TextMention(target: .item(ItemID(unchecked: "a")), sentiment: -0.9)], createdAt: Fixtures.now)
            try await store.appendText(text, in: .default)
            #expect(try await store.negativelyMentioned(by: Self.user, in: .default, threshold: -0.5) == [.item(ItemID(unchecked: "a"))])
            // The threshold is part of the question.
            #expect(try await store.negativelyMentioned(by: Self.user, in: .default, threshold: -0.95).isEmpty)
        }
    }

    /// One request's reads share one probe: they answer as of its start, a later request sees
    /// what was committed meanwhile, and a request still holding an older probe neither serves a
    /// newer request's entries as its own nor takes the cache back to its moment.
    @Test func readsInOneScopeShareAProbeWithoutGoingBack() async throws {
        try await Self.withFile { path in
            let store = try SQLiteStore(path: path)
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let other = UserID(unchecked: "u2")
            _ = try await store.append([
                EventBatch(workspace: .default, events: [Fixtures.event(1, item: "a"), Fixtures.event(2, user: "u2", item: "x")])
            ])
            let older = ServingReadScope()
            let scoped = { (scope: ServingReadScope, user: UserID) async throws -> [String] in
                try await ServingReadScope.$current.withValue(scope) {
                    try await store.recentItems(of: user, in: .default, limit: 200).map(\.rawValue)
                }
            }
            #expect(try await scoped(older, Self.user) == ["a"])
            _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(3, item: "b", at: 1)])])
            let newer = ServingReadScope()
            #expect(try await scoped(newer, Self.user) == ["a", "b"])
            #expect(try await scoped(newer, other) == ["x"])
            let entries = store.servingCacheUsage.entries
            #expect(entries >= 2)
            // Read through: the database as it is now, and the newer entries left alone.
            #expect(try await scoped(older, Self.user) == ["a", "b"])
            #expect(try await scoped(older, other) == ["x"])
            #expect(store.servingCacheUsage.entries == entries)
            #expect(try await scoped(ServingReadScope(), Self.user) == ["a", "b"])
        }
    }
}
