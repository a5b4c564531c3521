import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's item vectors must do. Each check takes a fresh, empty store.
package enum EmbeddingStoreConformance: ConformanceSuite {
    package typealias Store = EmbeddingStore & WorkspaceStore

    package static let other = WorkspaceID(unchecked: "other")
    static let ghost = WorkspaceID(unchecked: "ghost")
    static let a = ItemID(unchecked: "a")
    static let b = ItemID(unchecked: "b")

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("embeddingsKeepOneDimensionPerWorkspace", { try await embeddingsKeepOneDimensionPerWorkspace($0) }),
        ("vectorsComeBackBitForBit", { try await vectorsComeBackBitForBit($0) }),
        ("badBatchesAreRefusedWholeWithTheirCode", { try await badBatchesAreRefusedWholeWithTheirCode($0) }),
        ("anItemTwiceInOneBatchKeepsItsLastVector", { try await anItemTwiceInOneBatchKeepsItsLastVector($0) }),
        ("aLargeBatchIsStoredWholeAndReplayable", { try await aLargeBatchIsStoredWholeAndReplayable($0) }),
        ("unknownWorkspacesAndEmptyInputs", { try await unknownWorkspacesAndEmptyInputs($0) }),
        ("concurrentWritersNeverMixDimensions", { try await concurrentWritersNeverMixDimensions($0) }),
    ]

    static func prepare(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
    }

    static func embeddingsKeepOneDimensionPerWorkspace(_ store: some Store) async throws {
        try await prepare(store)
        #expect(try await store.embeddingSummary(in: .default) == nil)
        try await store.putEmbeddings([(a, [1, 2, 3]), (b, [-0.5, 0, 1e-20])], in: .default)
        #expect(
            try await store.embeddings([a, b, ItemID(unchecked: "c")], in: .default) == [
                a: [1, 2, 3], b: [-0.5, 0, 1e-20],
            ])
        #expect(try await store.embeddingSummary(in: .default).map { [$0.dimension, $0.count] } == [3, 2])
        // Another workspace has its own dimension.
        try await store.putEmbeddings([(a, [1])], in: other)

        // A batch with a wrong dimension, a non-finite number or an empty vector changes nothing.
        for bad: [(item: ItemID, vector: [Float])] in [
            [(b, [9, 9, 9]), (a, [1, 2])], [(a, [1, .nan, 3])], [(a, [])],
            [(a, [Float](repeating: 1, count: EmbeddingValidation.maxDimension + 1))],
        ] {
            await #expect(throws: AttuneError.self) { try await store.putEmbeddings(bad, in: .default) }
        }
        #expect(try await store.embeddings([a, b], in: .default) == [a: [1, 2, 3], b: [-0.5, 0, 1e-20]])

        // Replacing swaps the whole set, dimension included, in one step.
        try await store.putEmbeddings([(b, [7, 8])], in: .default, replacingExisting: true)
        #expect(try await store.embeddings([a, b], in: .default) == [b: [7, 8]])
        #expect(try await store.clearEmbeddings(in: .default) == 1)
        #expect(try await store.embeddingSummary(in: .default) == nil)
        #expect(try await store.embeddings([a], in: other) == [a: [1]])
        // Cleared, the workspace takes any dimension again.
        try await store.putEmbeddings([(a, [1, 2, 3, 4, 5])], in: .default)
        #expect(try await store.embeddingSummary(in: .default).map { [$0.dimension, $0.count] } == [5, 1])
    }

    static func vectorsComeBackBitForBit(_ store: some Store) async throws {
        try await prepare(store)
        let extremes: [Float] = [
            -0.0, 0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, .ulpOfOne, 1 / 3, -123_456.789,
        ]
        let widest = (0..<EmbeddingValidation.maxDimension).map { Float($0) * 0.001 - 2 }
        let c = ItemID(unchecked: "c")
        try await store.putEmbeddings([(a, extremes)], in: .default)
        try await store.putEmbeddings([(c, widest)], in: other)
        let stored = try #require(try await store.embeddings([a], in: .default)[a])
        #expect(stored.map(\.bitPattern) == extremes.map(\.bitPattern))
        #expect(try await store.embeddings([c], in: other)[c]?.map(\.bitPattern) == widest.map(\.bitPattern))
        #expect(
            try await store.embeddingSummary(in: other).map { [$0.dimension, $0.count] } == [
                EmbeddingValidation.maxDimension, 1,
            ])
        // Multi-byte and long item ids are keys like any other.
        let odd = ItemID(unchecked: "ß/𝄞 " + String(repeating: "é", count: 100))
        try await store.putEmbeddings([(odd, extremes.reversed())], in: .default)
        #expect(try await store.embeddings([odd], in: .default)[odd] == extremes.reversed())
    }

    static func badBatchesAreRefusedWholeWithTheirCode(_ store: some Store) async throws {
        try await prepare(store)
        try await store.putEmbeddings([(a, [1, 2])], in: .default)
        let conflicts: [[(item: ItemID, vector: [Float])]] = [
            [(b, [1, 2, 3])],  // another dimension than the stored one
            [(b, [1, 2]), (ItemID(unchecked: "c"), [1])],  // a mix within the batch
        ]
        for bad in conflicts {
            await #expect { try await store.putEmbeddings(bad, in: .default) } throws: { error in
                (error as? AttuneError)?.code == .conflict
            }
        }
        // A mixed batch is refused even when it would replace everything.
        await #expect {
            try await store.putEmbeddings([(b, [1]), (a, [1, 2, 3])], in: .default, replacingExisting: true)
        } throws: { error in (error as? AttuneError)?.code == .conflict }
        let invalid: [[(item: ItemID, vector: [Float])]] = [
            [(b, [1, .infinity])], [(b, [-.infinity, 1])], [(b, [.nan, .nan])], [(b, [.signalingNaN, 1])], [(b, [])],
            [(b, [1, 2]), (ItemID(unchecked: "c"), [Float](repeating: 0, count: 100_000))],
        ]
        for bad in invalid {
            await #expect { try await store.putEmbeddings(bad, in: .default) } throws: { error in
                (error as? AttuneError)?.code == .invalidValue
            }
            await #expect { try await store.putEmbeddings(bad, in: .default, replacingExisting: true) } throws: {
                error in
                (error as? AttuneError)?.code == .invalidValue
            }
        }
        #expect(try await store.embeddings([a, b, ItemID(unchecked: "c")], in: .default) == [a: [1, 2]])
        #expect(try await store.embeddingSummary(in: .default).map { [$0.dimension, $0.count] } == [2, 1])
    }

    static func anItemTwiceInOneBatchKeepsItsLastVector(_ store: some Store) async throws {
        try await prepare(store)
        try await store.putEmbeddings([(a, [1, 1]), (b, [2, 2]), (a, [3, 3])], in: .default)
        #expect(try await store.embeddings([a, b], in: .default) == [a: [3, 3], b: [2, 2]])
        try await store.putEmbeddings([(b, [4, 4]), (b, [5, 5])], in: .default)
        #expect(try await store.embeddings([a, b], in: .default) == [a: [3, 3], b: [5, 5]])
        #expect(try await store.embeddingSummary(in: .default).map { [$0.dimension, $0.count] } == [2, 2])
    }

    static func aLargeBatchIsStoredWholeAndReplayable(_ store: some Store) async throws {
        try await prepare(store)
        let vectors = (0..<3_000).map { n in
            (item: ItemID(unchecked: "item-\(n)"), vector: (0..<64).map { Float(n) + Float($0) / 64 })
        }
        try await store.putEmbeddings(vectors, in: .default)
        try await store.putEmbeddings(vectors, in: .default)
        #expect(try await store.embeddingSummary(in: .default).map { [$0.dimension, $0.count] } == [64, 3_000])
        let some = vectors.enumerated().filter { $0.offset % 100 == 7 }.map(\.element)
        let stored = try await store.embeddings(some.map(\.item), in: .default)
        #expect(stored.count == some.count)
        #expect(some.allSatisfy { stored[$0.item] == $0.vector })
        // Replacing with a smaller set keeps only it.
        try await store.putEmbeddings(Array(vectors.prefix(10)), in: .default, replacingExisting: true)
        #expect(try await store.embeddingSummary(in: .default).map { [$0.dimension, $0.count] } == [64, 10])
    }

    static func unknownWorkspacesAndEmptyInputs(_ store: some Store) async throws {
        try await prepare(store)
        await #expect(throws: AttuneError.notFound("workspace")) {
            try await store.putEmbeddings([(a, [1])], in: ghost)
        }
        // An unknown workspace is reported before the vectors are judged.
        await #expect(throws: AttuneError.notFound("workspace")) {
            try await store.putEmbeddings([(a, [.nan])], in: ghost)
        }
        // An empty batch writes nothing, anywhere, even when asked to replace.
        try await store.putEmbeddings([], in: ghost)
        try await store.putEmbeddings([(a, [1, 2])], in: .default)
        try await store.putEmbeddings([], in: .default, replacingExisting: true)
        #expect(try await store.embeddings([a], in: .default) == [a: [1, 2]])
        #expect(try await store.embeddings([a], in: ghost).isEmpty)
        #expect(try await store.embeddings([], in: .default).isEmpty)
        #expect(try await store.embeddingSummary(in: ghost) == nil)
        #expect(try await store.clearEmbeddings(in: ghost) == 0)
        #expect(try await store.clearEmbeddings(in: other) == 0)
        #expect(try await store.workspaces() == [.default, other])
    }

    /// Writers of different dimensions into one empty workspace at once: the first to commit
    /// fixes the dimension and the others are refused, never a mix.
    static func concurrentWritersNeverMixDimensions(_ store: some Store) async throws {
        try await prepare(store)
        try await concurrentDimensions(writers: Array(repeating: store, count: 4))
    }

    /// The shared body of the concurrent-writer checks: writer `w` puts 50 vectors of dimension
    /// `w % 2 + 2` under its own ids, five times over.
    package static func concurrentDimensions(writers: [any Store]) async throws {
        for round in 0..<5 {
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for (w, writer) in writers.enumerated() {
                    group.addTask {
                        let vectors = (0..<50).map {
                            (item: ItemID(unchecked: "w\(w)-\($0)"), vector: [Float](repeating: 1, count: w % 2 + 2))
                        }
                        do {
                            try await writer.putEmbeddings(vectors, in: .default)
                            return (w, true)
                        } catch let error as AttuneError where error.code == .conflict {
                            return (w, false)
                        }
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            let summary = try #require(try await writers[0].embeddingSummary(in: .default))
            let winners = outcomes.filter(\.value).map(\.key).sorted()
            #expect(!winners.isEmpty)
            #expect(winners.allSatisfy { $0 % 2 + 2 == summary.dimension }, "round \(round)")
            #expect(summary.count == winners.count * 50)
            let ids = winners.flatMap { w in (0..<50).map { ItemID(unchecked: "w\(w)-\($0)") } }
            let stored = try await writers[0].embeddings(ids, in: .default)
            #expect(stored.count == ids.count)
            #expect(stored.values.allSatisfy { $0.count == summary.dimension })
            #expect(try await writers[0].clearEmbeddings(in: .default) == summary.count)
        }
    }
}
