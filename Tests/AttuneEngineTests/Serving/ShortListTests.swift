import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

/// Recommendations ask the exact scan for a short list when nothing reorders it after filtering;
/// what they return must be what the full ranking, filtered, begins with.
struct ShortListTests {
    /// A synthetic ALS model saved and served, beside an empty store.
    struct Served {
        let directory: TemporaryDirectory
        let snapshot: ModelSnapshot
        let registry: ModelRegistry
        let store: SQLiteStore

        init(users: Int) async throws {
            directory = try TemporaryDirectory()
            let files = ModelFiles(dataDirectory: directory.url.path)
            snapshot = try ModelSnapshot.syntheticALS(users: users, items: 600, factors: 16, interactionsPerUser: 4)
            try files.save(snapshot)
            registry = ModelRegistry(files: files, logger: Logger(label: "test"))
            registry.refresh()
            store = try SQLiteStore()
            try await store.ensureWorkspace(.default, at: Fixtures.now)
        }
    }

    @Test func aShortScanIsThePrefixOfALongOne() throws {
        let model = ServingModel(snapshot: try ModelSnapshot.syntheticALS(users: 200, items: 600, factors: 16, interactionsPerUser: 4))
        for user in 0..<200 {
            let long = try #require(model.personalised(user: "u\(user)", extraHistory: [], count: 50))
            let short = try #require(model.personalised(user: "u\(user)", extraHistory: [], count: 20))
            #expect(short.map(\.item) == Array(long.prefix(20)).map(\.item))
            #expect(short.map(\.score) == Array(long.prefix(20)).map(\.score))
        }
    }

    @Test func filteredRecommendationsAreTheFullRankingsFilteredPrefix() async throws {
        let setting = try await Served(users: 50)
        let (snapshot, registry, store) = (setting.snapshot, setting.registry, setting.store)
        let service = RecommendationService(registry: registry, store: store, clock: FixedClock())
        let served = try #require(registry.model(for: .default))
        for user in 0..<50 {
            let full = try #require(served.personalised(user: "u\(user)", extraHistory: [], count: 600))
            let ids = full.map { ItemID(unchecked: snapshot.items.key(at: $0.item)!) }
            // Nothing excluded; the first 15 excluded (more than the short list holds); every other one.
            let exclusions: [Set<ItemID>] = [[], Set(ids.prefix(15)), Set(ids.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))]
            for exclude in exclusions {
                var request = RecommendationRequest()
                request.availableOnly = false
                request.exclude = exclude
                let list = try await service.recommend(user: UserID(unchecked: "u\(user)"), in: .default, request: request)
                let expected = zip(ids, full).filter { !exclude.contains($0.0) }.prefix(10)
                #expect(list.items.map(\.item) == expected.map(\.0))
                #expect(list.items.map(\.score) == expected.map { Double($0.1.score) })
            }
        }
    }

    /// The filter looks at candidates in chunks and stops once the list is full; when most of the
    /// best ones are unavailable it must go on to later chunks, and the answer is still the full
    /// ranking's available prefix.
    @Test func unavailableTopItemsAreSkippedAcrossChunks() async throws {
        let setting = try await Served(users: 20)
        let (snapshot, registry, store) = (setting.snapshot, setting.registry, setting.store)
        let served = try #require(registry.model(for: .default))
        for user in 0..<20 {
            let full = try #require(served.personalised(user: "u\(user)", extraHistory: [], count: 600))
            let ids = full.map { ItemID(unchecked: snapshot.items.key(at: $0.item)!) }
            // The user's 40 best items and then every third one are withdrawn: more than one chunk.
            let unavailable = Set(ids.prefix(40)).union(ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
            try await store.upsert(
                ids.map { Item(id: $0, available: !unavailable.contains($0), createdAt: Fixtures.now, updatedAt: Fixtures.now) },
                in: .default)
            // A service of its own per user: its catalogue cache must not hold the last user's flags.
            let service = RecommendationService(registry: registry, store: store, clock: FixedClock())
            for count in [1, 10, 37] {
                var request = RecommendationRequest()
                request.count = count
                let list = try await service.recommend(user: UserID(unchecked: "u\(user)"), in: .default, request: request)
                let expected = zip(ids, full).filter { !unavailable.contains($0.0) }.prefix(count)
                #expect(list.items.map(\.item) == expected.map(\.0))
                #expect(list.items.map(\.score) == expected.map { Double($0.1.score) })
            }
        }
    }
}
