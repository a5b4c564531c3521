import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import GRDB
import Testing

/// The in-place rewrite behind key rotation: every declared-traits text of the workspace, resolved
/// and per source, page by page, and nothing else.
struct ProtectedValueStoreTests {
    @Test(arguments: [1, 2, 500])
    func everyTextIsRewrittenInPlaceAcrossPagesAndNothingElseChanges(batchSize: Int) async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(WorkspaceID(unchecked: "other"), at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1, user: "u1")])])
        for (user, source) in [("u1", "api"), ("u1", "crm"), ("u2", "crm"), ("u3", "shop"), ("u4", "api")] {
            try await store.record(
                Identify(anonymousID: nil, userID: UserID(unchecked: user), traits: #"{"\#(source)":"old-\#(source)"}"#,
                         timestamp: Fixtures.now, source: source),
                in: .default)
        }
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "x1"), traits: #"{"tag":"old-x"}"#, timestamp: Fixtures.now),
            in: WorkspaceID(unchecked: "other"))
        let history = try await store.profileHistory(of: UserID(unchecked: "u1"), in: .default, before: nil, limit: 100)
        let times = try await Self.updateTimes(store)

        let counts = try await store.rewriteDeclaredTraits(in: .default, batchSize: batchSize) { text in
            text.contains("old-api") ? nil : text.replacingOccurrences(of: "old-", with: "new-")
        }
        // u1's resolved traits and u4's hold an api value, which this rewrite leaves alone.
        #expect(counts == DeclaredTraitsRewrite(users: 2, declarations: 3))
        let all = try await store.writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT traits FROM declared_sources WHERE workspace = (SELECT pk FROM workspaces WHERE name = 'default')
                ORDER BY user_id, source
                """)
        }
        #expect(all == [#"{"api":"old-api"}"#, #"{"crm":"new-crm"}"#, #"{"crm":"new-crm"}"#, #"{"shop":"new-shop"}"#, #"{"api":"old-api"}"#])
        #expect(try await store.traits(of: UserID(unchecked: "u2"), in: .default) == #"{"crm":"new-crm"}"#)
        #expect(try await store.traits(of: UserID(unchecked: "u1"), in: .default)?.contains("old-crm") == true)
        #expect(try await store.traits(of: UserID(unchecked: "x1"), in: WorkspaceID(unchecked: "other")) == #"{"tag":"old-x"}"#)
        #expect(try await store.profileHistory(of: UserID(unchecked: "u1"), in: .default, before: nil, limit: 100) == history)
        #expect(try await Self.updateTimes(store) == times, "no update time moves")
    }

    @Test func aThrowingRewriteLeavesItsBatchAsItWas() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        for user in ["u1", "u2"] {
            try await store.record(
                Identify(anonymousID: nil, userID: UserID(unchecked: user), traits: #"{"tag":"old"}"#, timestamp: Fixtures.now),
                in: .default)
        }
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await store.rewriteDeclaredTraits(in: .default, batchSize: 10) { text in
                if text.contains("old") { throw Refused() }
                return nil
            }
        }
        #expect(try await store.traits(of: UserID(unchecked: "u1"), in: .default) == #"{"tag":"old"}"#)
    }

    static func updateTimes(_ store: SQLiteStore) async throws -> [Int64] {
        try await store.writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT updated_at FROM user_traits UNION ALL SELECT updated_at FROM declared_sources")
        }
    }
}
