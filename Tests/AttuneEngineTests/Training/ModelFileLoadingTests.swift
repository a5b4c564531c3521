import AttuneCore
import AttuneEngine
import AttuneML
import Foundation
import Testing

/// Snapshots are decoded field by field from their files (large arrays straight into the model's
/// buffers): the result is the snapshot written, and a file cut short anywhere, even while it is
/// being read, is refused with a clear error.
struct ModelFileLoadingTests {
    static let users = 2_000
    static let items = 300
    static let factors = 16

    static func saved(_ snapshot: ModelSnapshot) throws -> (ModelFiles, String, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        try files.save(snapshot)
        return (files, files.directory.appendingPathComponent("default/v\(snapshot.version).model").path, directory)
    }

    static func synthetic() throws -> ModelSnapshot {
        try ModelSnapshot.syntheticALS(users: users, items: items, factors: factors, interactionsPerUser: 3)
    }

    @Test(arguments: ["als", "bpr", "popular"])
    func everyFamilyLoadsFromItsFileAsWritten(_ family: String) throws {
        var snapshot = try Self.synthetic()
        switch family {
        case "bpr":
            let c = BPR.Configuration(factors: 8, iterations: 2, seed: 1)
            snapshot.model = TrainedRecommender(family: .bpr, model: try BPR.fit(interactions: snapshot.seen, configuration: c, threads: 1))
        case "popular":
            snapshot.model = TrainedRecommender(family: .popular, model: PopularityModel.fit(interactions: snapshot.seen))
        default: break
        }
        let (files, _, directory) = try Self.saved(snapshot)
        _ = directory
        let loaded = try files.load(version: 1, in: .default)
        #expect(loaded.family == snapshot.family)
        #expect(loaded.serialized() == snapshot.serialized())
    }

    /// Offsets inside the user vocabulary, the training matrix, the user factors and the item factors.
    static func cuts(of size: Int) -> [Int] {
        let itemFactorBytes = items * factors * 4
        let userFactorBytes = users * factors * 4
        return [200, size / 8, size - itemFactorBytes - userFactorBytes / 2, size - itemFactorBytes / 2, size - 1]
    }

    @Test func aSnapshotFileCutShortAnywhereIsRefused() throws {
        let (files, path, directory) = try Self.saved(try Self.synthetic())
        _ = directory
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for cut in Self.cuts(of: bytes.count) {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            #expect(throws: AttuneMLError.self, "cut at \(cut) of \(bytes.count)") { try files.load(version: 1, in: .default) }
        }
        #expect(throws: AttuneError.notFound("model version 2")) { try files.load(version: 2, in: .default) }
    }

    @Test func aSnapshotFileThatShrinksWhileItLoadsIsRefusedNotReadPast() throws {
        let (_, path, directory) = try Self.saved(try Self.synthetic())
        _ = directory
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).intValue
        // Every length was checked against the size at opening; then the factors' bytes go away.
        let file = try #require(BinaryFile(path: path))
        let cut = size - Self.items * Self.factors * 4 - Self.users * Self.factors * 2
        #expect(truncate(path, off_t(cut)) == 0)
        #expect(throws: AttuneMLError.corruptData("truncated at byte \(cut)")) { try ModelSnapshot(file: file) }
    }
}
