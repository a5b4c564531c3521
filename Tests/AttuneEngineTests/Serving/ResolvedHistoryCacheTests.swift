import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

/// Recommendations reuse each user's recent items resolved to model labels; the reuse must never
/// outlive a new event, a swapped model or a redacted user.
struct ResolvedHistoryCacheTests {
    /// A synthetic ALS model (users u0…, items i0…i599) served beside an empty store.
    struct Served {
        let directory: TemporaryDirectory
        let snapshot: ModelSnapshot
        let registry: ModelRegistry
        let store: SQLiteStore

        init() async throws {
            directory = try TemporaryDirectory()
            let files = ModelFiles(dataDirectory: directory.url.path)
            snapshot = try ModelSnapshot.syntheticALS(users: 40, items: 600, factors: 16, interactionsPerUser: 4)
            try files.save(snapshot)
            registry = ModelRegistry(files: files, logger: Logger(label: "test"))
            registry.refresh()
            store = try SQLiteStore()
            try await store.ensureWorkspace(.default, at: Fixtures.now)
        }

        func record(_ items: [String], by user: String, from n: UInt64) async throws {
            let events = items.enumerated().map { offset, item in
                Fixtures.event(n + UInt64(offset), user: user, item: item, at: Int64(n) * 1_000 + Int64(offset))
            }
            _ = try await store.append([EventBatch(workspace: .default, events: events)])
        }

        /// The answer of a service without any cached resolution: what the cached one must equal.
        func uncached(_ user: String) async throws -> [Recommendation] {
            let service = RecommendationService(registry: registry, store: store, clock: FixedClock())
            return try await service.recommend(user: UserID(unchecked: user), in: .default, request: Self.request).items
        }

        static var request: RecommendationRequest {
            var request = RecommendationRequest()
            request.availableOnly = false
            return request
        }
    }

    @Test func anAcceptedEventChangesTheNextRecommendations() async throws {
        let setting = try await Served()
        let histories = ResolvedHistoryCache()
        let service = RecommendationService(
            registry: setting.registry, store: setting.store, clock: FixedClock(), histories: histories)
        for user in ["u3", "newcomer"] {
            try await setting.record(["i10", "i20"], by: user, from: user == "u3" ? 1 : 100)
            let first = try await service.recommend(user: UserID(unchecked: user), in: .default, request: Served.request)
            // Asked again with nothing new: answered from the cached resolution, unchanged.
            let again = try await service.recommend(user: UserID(unchecked: user), in: .default, request: Served.request)
            #expect(again.items.map(\.item) == first.items.map(\.item))
            let top = try #require(first.items.first).item
            try await setting.record([top.rawValue], by: user, from: user == "u3" ? 10 : 110)
            let next = try await service.recommend(user: UserID(unchecked: user), in: .default, request: Served.request)
            // The item just consumed is never recommended back, and the rest is what a service
            // resolving everything afresh answers.
            #expect(!next.items.contains { $0.item == top })
            #expect(next.items == (try await setting.uncached(user)))
        }
        #expect(histories.usage.entries == 2)
    }

    @Test func aHotSwappedModelIsNeverServedWithLabelsOfTheOldOne() async throws {
        let setting = try await Served()
        let service = RecommendationService(
            registry: setting.registry, store: setting.store, clock: FixedClock(), histories: ResolvedHistoryCache())
        let recent = ["i1", "i2", "i3", "i597"]
        try await setting.record(recent, by: "newcomer", from: 1)
        try await setting.record(recent, by: "u5", from: 10)
        for user in ["newcomer", "u5"] {
            _ = try await service.recommend(user: UserID(unchecked: user), in: .default, request: Served.request)
        }
        // Version 2 names every label's item in reverse: label 1 is i598 now. Labels resolved
        // against version 1 would fold in and exclude the wrong items.
        let old = setting.snapshot
        let reversed = ModelSnapshot(
            version: 2, workspace: .default, createdAt: old.createdAt, metadata: old.metadata, users: old.users,
            items: Vocabulary((0..<old.items.count).map { "i\(old.items.count - 1 - $0)" }), seen: old.seen,
            model: old.model)
        setting.registry.serve(ServingModel(snapshot: reversed), redactedBy: [], in: .default)
        for user in ["newcomer", "u5"] {
            let list = try await service.recommend(user: UserID(unchecked: user), in: .default, request: Served.request)
            #expect(list.modelVersion == 2)
            #expect(!list.items.contains { recent.contains($0.item.rawValue) })
            #expect(list.items == (try await setting.uncached(user)))
        }
    }

    @Test func aUserDroppedFromTheServedModelIsResolvedAgain() async throws {
        let setting = try await Served()
        let service = RecommendationService(
            registry: setting.registry, store: setting.store, clock: FixedClock(), histories: ResolvedHistoryCache())
        let user = UserID(unchecked: "u7")
        let before = try await service.recommend(user: user, in: .default, request: Served.request)
        #expect(before.strategy == "als")
        #expect(setting.registry.dropServedUser(user, in: .default))
        // Without a row and without events the user has nothing to personalise from.
        let after = try await service.recommend(user: user, in: .default, request: Served.request)
        #expect(after.strategy == "popular")
        #expect(after.items == (try await setting.uncached("u7")))
    }

    @Test func theCacheStaysWithinItsBound() async throws {
        let setting = try await Served()
        let capacity = 8 << 10
        let histories = ResolvedHistoryCache(capacity: capacity)
        let service = RecommendationService(
            registry: setting.registry, store: setting.store, clock: FixedClock(), histories: histories)
        var fullest = 0
        for user in 0..<40 {
            _ = try await service.recommend(user: UserID(unchecked: "u\(user)"), in: .default, request: Served.request)
            #expect(histories.usage.bytes <= capacity)
            fullest = max(fullest, histories.usage.entries)
        }
        #expect(fullest > 1 && fullest < 40)
    }
}
