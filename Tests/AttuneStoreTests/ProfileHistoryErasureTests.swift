import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// Profile history on SQLite only (erasure is not on PostgreSQL yet); the history's other checks
/// run on every store in `ProfileStoreConformance`.
struct ProfileHistoryErasureTests {
    let user = UserID(unchecked: "u1")

    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        return store
    }

    @Test func erasureDeletesTheHistory() async throws {
        let store = try await store()
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(2, at: 10)])])
        let erased = try #require(try await store.erasePerson(user, digest: { _ in [1, 2, 3] }, in: .default, at: Fixtures.now))
        #expect(erased.counts.profileVersions == 2)
        #expect(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).isEmpty)
    }
}
