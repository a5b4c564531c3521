import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct ModelRegistryTests {
    /// v1 trained for real; v2 the same model whose metadata claims a much worse validation score.
    static func twoVersions() async throws -> (ModelFiles, TemporaryDirectory) {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        var tuner = ModelTuner()
        tuner.threads = 1
        tuner.timeBudget = .zero
        let first = try await ModelTraining(store: store, files: files, clock: FixedClock()).run(
            workspace: .default, family: .knn, tuner: tuner)
        guard case .object(var metadata) = first.metadata else { Issue.record("metadata"); return (files, directory) }
        let index = try #require(metadata.firstIndex { $0.key == "validation" })
        metadata[index].value = .object([("ndcg@10", .number(0))])
        var worse = first
        worse.version = 2
        worse.metadata = .object(metadata)
        try files.save(worse)
        return (files, directory)
    }

    @Test func aModelWorseOnValidationIsNotPromotedUnlessPinned() async throws {
        let (files, directory) = try await Self.twoVersions()
        _ = directory
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"), promotionMargin: 0.01)
        try files.pin(1, in: .default)
        registry.refresh()
        #expect(registry.model(for: .default)?.version == 1)
        try files.pin(nil, in: .default)
        registry.refresh()
        #expect(registry.model(for: .default)?.version == 1, "v2 is worse by more than the margin")
        try files.pin(2, in: .default)
        registry.refresh()
        #expect(registry.model(for: .default)?.version == 2, "an operator's pin wins")
        #expect(throws: AttuneError.self) { try files.pin(9, in: .default) }
    }

    @Test func aDamagedSnapshotLeavesTheServedModelInPlace() async throws {
        let (files, directory) = try await Self.twoVersions()
        _ = directory
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        try files.pin(1, in: .default)
        registry.refresh()
        try Data("ATMLgarbage".utf8).write(to: files.directory.appendingPathComponent("default/v3.model"))
        try files.pin(nil, in: .default)
        registry.refresh()
        #expect(registry.model(for: .default)?.version == 1)
    }
}
