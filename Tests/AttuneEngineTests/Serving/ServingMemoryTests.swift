import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

/// The memory a served model holds is accounted by part, a snapshot loads without extra copies
/// of its factors, and the per-user caches of the serving path stay within their bounds however
/// many distinct users ask (`attune bench memory` measures the same at a million users).
struct ServingMemoryTests {
    static let users = 20_000
    static let items = 5_000
    static let factors = 64

    @Test func aLoadedSyntheticModelAccountsItsFactorsAndServesFromThem() throws {
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        let written = try ModelSnapshot.syntheticALS(users: Self.users, items: Self.items, factors: Self.factors, interactionsPerUser: 3)
        try files.save(written)
        let loaded = try files.load(version: 1, in: .default)
        #expect(loaded.users.count == Self.users && loaded.items.count == Self.items)
        #expect(loaded.seen == written.seen)
        let als = try #require(loaded.model.recommender as? ImplicitALS)
        #expect(als == written.model.recommender as? ImplicitALS)

        let model = ServingModel(snapshot: loaded)
        let memory = model.memory
        // The factor arrays, each allocated at its size: no spare capacity from growth beyond the
        // allocator's rounding (a page or so per array).
        let raw = (Self.users + Self.items) * Self.factors * 4
        #expect(memory.factors >= raw && memory.factors <= raw + 2 * 8_192)
        #expect(memory.index == 0, "below FactorRetrieval.minimumItems there is no index")
        // 3 training items per user: the matrix and its transpose.
        let entries = Self.users * 3
        let csr = (Self.users + 1 + Self.items + 1) * 8 + 4 * entries * 4
        #expect(memory.interactions >= csr && memory.interactions <= csr + 6 * 8_192)
        // Similarity's normalised copy of the item factors, the scan's copy in norm order with the
        // order and a norm per 8 items, two lists.
        #expect(memory.derived >= 2 * Self.items * Self.factors * 4 + Self.items * 4)
        #expect(memory.derived <= 2 * Self.items * Self.factors * 4 + 4 * Self.items * 4)
        // Short ids are stored inline: 16 bytes a key, and a table of 20-byte buckets (at most
        // 3/4 full, so up to 2 x 4/3 buckets a key after rounding to a power of two).
        #expect(memory.vocabularies >= (Self.users + Self.items) * (16 + 20))
        #expect(memory.vocabularies <= (Self.users + Self.items) * (16 + 20 * 8 / 3 + 1))
        #expect(memory.total == memory.factors + memory.index + memory.vocabularies + memory.interactions + memory.derived)

        let found = try #require(model.personalised(user: "u7", extraHistory: [], count: 10))
        #expect(found.count == 10)
        let history = Set(loaded.seen.columns(ofRow: 7))
        #expect(found.allSatisfy { !history.contains($0.item) })
    }

    @Test func aSnapshotWhoseModelBlobDoesNotEndTheFileIsRefused() throws {
        var bytes = try ModelSnapshot.syntheticALS(users: 10, items: 5, factors: 4).serialized()
        bytes.append(0)
        #expect(throws: (any Error).self) { try ModelSnapshot(serialized: bytes) }
        bytes.removeLast(2)
        #expect(throws: (any Error).self) { try ModelSnapshot(serialized: bytes) }
    }

    @Test func theIndexAccountsItsVectorsAndLinks() throws {
        let n = 2_000
        let d = 16
        var generator = SeededGenerator(seed: 7)
        let vectors = (0..<n * d).map { _ in generator.nextUnitFloat() - 0.5 }
        let index = try HNSWIndex.build(
            vectors: vectors, dimension: d, configuration: .init(metric: .innerProduct, neighbors: 8, efConstruction: 40, efSearch: 40))
        // Vectors, level-0 lists of 2M + 1 entries, labels, and the label table.
        let floor = n * d * 4 + n * (2 * 8 + 1) * 4 + n * 4 + n * 8
        #expect(index.memoryBytes >= floor)
        #expect(index.memoryBytes <= floor * 2)
    }

    @Test func theServingReadCacheStaysWithinItsBoundUnderManyDistinctUsers() async throws {
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        try files.save(try ModelSnapshot.syntheticALS(users: 3_000, items: 500, factors: 8, interactionsPerUser: 2))
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        registry.refresh()
        let capacity = 64 << 10
        let store = try SQLiteStore(servingCacheBytes: capacity)
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let service = RecommendationService(registry: registry, store: store, clock: FixedClock())
        var request = RecommendationRequest()
        request.availableOnly = false
        var largest = 0
        var fullest = 0
        for user in 0..<2_000 {
            let list = try await service.recommend(user: UserID(unchecked: "u\(user)"), in: .default, request: request)
            #expect(list.modelVersion == 1 && list.items.count == 10)
            let usage = store.servingCacheUsage
            largest = max(largest, usage.bytes)
            fullest = max(fullest, usage.entries)
        }
        #expect(largest <= capacity)
        // 2,000 users' reads were cached, but never more than fit under the bound at once.
        #expect(fullest < 2_000)
        #expect(fullest >= capacity / 400, "the cache was used")
        // A user asked again before the next reset is answered from memory: the count holds.
        let before = store.servingCacheUsage
        _ = try await service.recommend(user: UserID(unchecked: "u1999"), in: .default, request: request)
        #expect(store.servingCacheUsage.entries == before.entries)
    }
}
