import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// Checks every storage backend must pass. Each takes a fresh, empty store. The event log's own
/// checks (read-back, duplicates, order, concurrent writers) are in `EventStoreConformance`;
/// identity links, profiles and segments are in `IdentityStoreConformance`,
/// `ProfileStoreConformance` and `SegmentStoreConformance`; the catalogue's, vectors', texts'
/// and imputations' in `CatalogStoreConformance`, `EmbeddingStoreConformance`, `TextStoreConformance` and
/// `ImputationStoreConformance`.
enum StoreConformance {
    static let other = WorkspaceID(unchecked: "other")

    static func prepare(_ store: some AttuneStorage) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
    }

    static func statsCountUsersAndAnonymousVisitors(_ store: some AttuneStorage) async throws {
        try await prepare(store)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: "u1"), Fixtures.event(2, user: "u1"), Fixtures.event(3, user: "u2"),
            Fixtures.event(4, user: nil, anonymous: "a1"),
        ])])
        let stats = try await store.stats(of: .default)
        #expect(stats == StoreStats(events: 4, users: 2, anonymousVisitors: 1, items: 0, availableItems: 0))
        #expect(try await store.stats(of: other) == StoreStats())
    }

    static func workspacesAndKeys(_ store: some AttuneStorage) async throws {
        try await prepare(store)
        await #expect(throws: AttuneError.self) { try await store.createWorkspace(other, at: Fixtures.now) }
        #expect(try await store.workspaces() == [.default, other])
        let key = APIKeyRecord(id: "key_1", workspace: other, scope: .write, digest: [1, 2, 3], label: "env:write", createdAt: Fixtures.now)
        try await store.addKey(key)
        #expect(try await store.keys() == [key])
        try await store.revokeKeys(labelled: "env:write", in: other, at: Fixtures.now)
        #expect(try await store.keys().first?.revokedAt == Fixtures.now)
        await #expect(throws: AttuneError.self) {
            try await store.addKey(APIKeyRecord(id: "key_2", workspace: WorkspaceID(unchecked: "nope"), scope: .admin, digest: [9], label: "x", createdAt: Fixtures.now))
        }
    }

    static func appendingToAnUnknownWorkspaceStoresNothing(_ store: some AttuneStorage) async throws {
        try await prepare(store)
        await #expect(throws: (any Error).self) {
            try await store.append([
                EventBatch(workspace: .default, events: [Fixtures.event(1)]),
                EventBatch(workspace: WorkspaceID(unchecked: "ghost"), events: [Fixtures.event(2)]),
            ])
        }
        // One transaction: the valid batch before the failure is rolled back too.
        #expect(try await store.stats(of: .default).events == 0)
        #expect(try await store.event(id: Fixtures.eventID(1), in: .default) == nil)
    }

    static let all: [(String, @Sendable (any AttuneStorage) async throws -> Void)] = [
        ("statsCountUsersAndAnonymousVisitors", { try await statsCountUsersAndAnonymousVisitors($0) }),
        ("workspacesAndKeys", { try await workspacesAndKeys($0) }),
        ("appendingToAnUnknownWorkspaceStoresNothing", { try await appendingToAnUnknownWorkspaceStoresNothing($0) }),
    ]
}
