import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct ModelIndexFileTests {
    /// An ALS model of the community fixture saved by a `ModelFiles` that indexes any catalogue.
    static func trained(indexMinimumItems: Int = 1) async throws -> (ModelFiles, ModelSnapshot, TemporaryDirectory) {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        var files = ModelFiles(dataDirectory: directory.url.path)
        files.indexMinimumItems = indexMinimumItems
        files.indexThreads = 1
        var tuner = ModelTuner()
        tuner.quick = true
        tuner.threads = 1
        let snapshot = try await ModelTraining(store: store, files: files, clock: FixedClock())
            .run(workspace: .default, family: .als, tuner: tuner)
        return (files, snapshot, directory)
    }

    @Test func theIndexIsSavedBesideTheSnapshotAndLoadsWithTheSameSearchResults() async throws {
        let (files, saved, directory) = try await Self.trained()
        _ = directory
        let indexFile = files.directory.appendingPathComponent("default/v1.index")
        #expect(FileManager.default.fileExists(atPath: indexFile.path))
        let loaded = try files.load(version: 1, in: .default)
        #expect(loaded.metadata["index"]?["file"] == .string("v1.index"))
        #expect(loaded.metadata["index"]?["items"] == .number(Double(loaded.items.count)))
        #expect(
            saved.metadata.serialized(sortedKeys: true) == loaded.metadata.serialized(sortedKeys: true),
            "save returns the snapshot as written")
        guard case .loaded(let index) = files.loadIndex(for: loaded) else {
            Issue.record("the saved index did not load")
            return
        }
        // One insertion thread builds the same graph every time: the reference the file must reproduce.
        let rebuilt = try #require(FactorRetrieval.buildIndex(for: loaded.model.model, minimumItems: 1, threads: 1))
        #expect(index == rebuilt)
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<20 {
            let query = (0..<index.dimension).map { _ in Float(rng.next() % 2_000) / 1_000 - 1 }
            #expect(try index.search(query, k: 10) == rebuilt.search(query, k: 10))
        }
        let serving = ServingModel(snapshot: loaded, storedIndex: files.loadIndex(for: loaded), retrievalMinimumItems: 1)
        #expect(serving.indexSource == "loaded")
        #expect(serving.personalised(user: "a1", extraHistory: [], count: 5)?.count == 5)
    }

    enum Damage: String, CaseIterable, Sendable {
        case truncated, flippedByte, missing, otherFactors, garbage
    }

    @Test(arguments: Damage.allCases)
    func aDamagedOrStaleIndexIsRebuiltWithTheReasonNeverACrash(_ damage: Damage) async throws {
        let (files, snapshot, directory) = try await Self.trained()
        _ = directory
        let url = files.directory.appendingPathComponent("default/v1.index")
        let bytes = try Data(contentsOf: url)
        switch damage {
        case .truncated: try bytes.prefix(bytes.count / 2).write(to: url)
        case .flippedByte:
            var flipped = bytes
            flipped[bytes.count - 100] ^= 0x5a
            try flipped.write(to: url)
        case .missing: try FileManager.default.removeItem(at: url)
        case .otherFactors:
            let index = try #require(FactorRetrieval.buildIndex(for: snapshot.model.model, minimumItems: 1, threads: 1))
            try Data(ModelIndexFile.encode(index, itemCount: snapshot.items.count, fingerprint: 42)).write(to: url)
        case .garbage: try Data("ATIXnot an index at all".utf8).write(to: url)
        }
        let expected: [Damage: String] = [
            .truncated: "unreadable", .flippedByte: "checksum", .missing: "missing", .otherFactors: "other item factors",
            .garbage: "unreadable",
        ]
        guard case .unusable(let reason) = files.loadIndex(for: snapshot) else {
            Issue.record("\(damage): a damaged index was accepted")
            return
        }
        #expect(reason.contains(expected[damage]!), "\(damage): \(reason)")
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        registry.refresh()
        let served = try #require(registry.model(for: .default), "the model is served all the same")
        #expect(served.indexSource == "rebuilt: \(reason)")
        #expect(served.retrieval != nil)
        #expect(served.personalised(user: "a1", extraHistory: [], count: 5)?.count == 5)
    }

    /// A file whose header matches the model but whose graph ranks by another metric or has
    /// another M is not served: its scores would not be the model's.
    @Test(arguments: [HNSWIndex.Configuration(metric: .cosine), HNSWIndex.Configuration(metric: .innerProduct, neighbors: 8)])
    func anIndexBuiltWithAnotherConfigurationIsRebuilt(configuration: HNSWIndex.Configuration) async throws {
        let (files, saved, directory) = try await Self.trained()
        _ = directory
        let recommender = saved.model.model
        let (vectors, d) = try #require(FactorRetrieval.vectors(of: recommender))
        let other = try HNSWIndex.build(vectors: vectors, dimension: d, configuration: configuration)
        let bytes = ModelIndexFile.encode(other, itemCount: vectors.count / d, fingerprint: try #require(ModelIndexFile.fingerprint(of: recommender)))
        #expect(throws: ModelIndexFile.Unusable.self) { try ModelIndexFile.decode(bytes, for: recommender) }
        try Data(bytes).write(to: files.directory.appendingPathComponent("default/v1.index"))
        guard case .unusable(let reason) = files.loadIndex(for: try files.load(version: 1, in: .default)) else {
            Issue.record("an index of another configuration was loaded")
            return
        }
        #expect(reason.contains("serving needs"), "\(reason)")
    }

    @Test func aModelBelowTheThresholdWritesNoIndex() async throws {
        let (files, snapshot, directory) = try await Self.trained(indexMinimumItems: FactorRetrieval.minimumItems)
        _ = directory
        #expect(snapshot.items.count < FactorRetrieval.minimumItems)
        #expect(!FileManager.default.fileExists(atPath: files.directory.appendingPathComponent("default/v1.index").path))
        #expect(try files.load(version: 1, in: .default).metadata["index"] == nil)
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        registry.refresh()
        #expect(registry.model(for: .default)?.indexSource == nil)
        #expect(registry.model(for: .default)?.scan != nil)
    }

    @Test func rollingBackServesTheOlderVersionWithItsOwnIndex() async throws {
        let (files, snapshot, directory) = try await Self.trained()
        _ = directory
        var second = snapshot
        second.version = 2
        try files.save(second)
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        registry.refresh()
        #expect(registry.model(for: .default)?.version == 2)
        #expect(registry.model(for: .default)?.indexSource == "loaded")
        try files.pin(1, in: .default)
        registry.refresh()
        #expect(registry.model(for: .default)?.version == 1)
        #expect(registry.model(for: .default)?.indexSource == "loaded")
    }
}
