import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

/// Serving's catalogue cache: entries stay until this server changes them or the catalogue's
/// version moves (a write by another process), checked once per lifetime.
struct CatalogCacheTests {
    static let ids = [ItemID(unchecked: "a"), ItemID(unchecked: "b"), ItemID(unchecked: "zzz")]

    static func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.upsert([Fixtures.item("a"), Fixtures.item("b")], in: .default)
        return store
    }

    @Test func aWriteBehindTheCacheShowsOnceTheVersionIsChecked() async throws {
        let store = try await Self.store()
        let cache = CatalogCache(lifetime: .zero)
        let first = try await cache.items(Self.ids, in: .default, store: store)
        #expect(first.keys.map(\.rawValue).sorted() == ["a", "b"])
        #expect(first[ItemID(unchecked: "a")]?.available == true)
        // Written straight to the store, as another process would: the catalogue version moves.
        #expect(try await store.markUnavailable(ItemID(unchecked: "a"), in: .default, at: Fixtures.now.adding(milliseconds: 1)))
        try await store.upsert([Fixtures.item("zzz")], in: .default)
        let second = try await cache.items(Self.ids, in: .default, store: store)
        #expect(second[ItemID(unchecked: "a")]?.available == false)
        #expect(second.keys.map(\.rawValue).sorted() == ["a", "b", "zzz"])
    }

    @Test func entriesStayWithinTheLifetimeUnlessInvalidated() async throws {
        let store = try await Self.store()
        let cache = CatalogCache(lifetime: .seconds(3_600))
        _ = try await cache.items(Self.ids, in: .default, store: store)
        #expect(try await store.markUnavailable(ItemID(unchecked: "a"), in: .default, at: Fixtures.now.adding(milliseconds: 1)))
        // Within the lifetime the cached entry answers (and the unknown id stays unknown).
        let cached = try await cache.items(Self.ids, in: .default, store: store)
        #expect(cached[ItemID(unchecked: "a")]?.available == true)
        #expect(cached[ItemID(unchecked: "zzz")] == nil)
        // This server's own writes invalidate what they touch at once.
        cache.invalidate([ItemID(unchecked: "a")], in: .default)
        let fresh = try await cache.items(Self.ids, in: .default, store: store)
        #expect(fresh[ItemID(unchecked: "a")]?.available == false)
    }

    /// A change that leaves the version as it was (an import's later chunk, stamped with the same
    /// time as its first) is still seen within a bounded number of checks.
    @Test func aChangeTheVersionCannotSeeIsSeenAfterAFullRefresh() async throws {
        let store = try await Self.store()
        let cache = CatalogCache(lifetime: .zero)
        _ = try await cache.items(Self.ids, in: .default, store: store)
        let before = try await store.catalogVersion(in: .default)
        try await store.upsert([Fixtures.item("a", title: "Renamed")], in: .default)
        #expect(try await store.catalogVersion(in: .default) == before, "same count, same latest update")
        var seen = false
        for _ in 0..<CatalogCache.fullRefreshChecks {
            let items = try await cache.items(Self.ids, in: .default, store: store)
            if items[ItemID(unchecked: "a")]?.title == "Renamed" {
                seen = true
                break
            }
        }
        #expect(seen)
    }

    /// Serving asks by model label: the same entries, in the labels' order, invalidated with the
    /// ids they belong to.
    @Test func entriesByLabelFollowTheEntriesByID() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.upsert([Fixtures.item("i0"), Fixtures.item("i1", title: "One")], in: .default)
        let snapshot = try ModelSnapshot.syntheticALS(users: 3, items: 5, factors: 4, interactionsPerUser: 1)
        let model = ServingModel(snapshot: snapshot)
        let cache = CatalogCache(lifetime: .seconds(3_600))
        // Label 2 is not in the catalogue; 99 is no label of the model.
        let first = try await cache.items(labels: [0, 1, 2, 99, 0], of: model, in: .default, store: store)
        #expect(first.map { $0?.id.rawValue } == ["i0", "i1", nil, nil, "i0"])
        #expect(first[1]?.title == "One")
        #expect(try await store.markUnavailable(ItemID(unchecked: "i0"), in: .default, at: Fixtures.now.adding(milliseconds: 1)))
        let cached = try await cache.items(labels: [0], of: model, in: .default, store: store)
        #expect(cached[0]?.available == true, "within the lifetime the cached entry answers")
        cache.invalidate([ItemID(unchecked: "i0")], in: .default)
        let fresh = try await cache.items(labels: [0, 1], of: model, in: .default, store: store)
        #expect(fresh[0]?.available == false)
        #expect(fresh[1]?.title == "One")
    }
}
