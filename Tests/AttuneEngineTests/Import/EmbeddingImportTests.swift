import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

struct EmbeddingImportTests {
    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        return store
    }

    func vectors(_ store: SQLiteStore, _ ids: [String]) async throws -> [String: [Float]] {
        let found = try await store.embeddings(ids.map(ItemID.init(unchecked:)), in: .default)
        return Dictionary(uniqueKeysWithValues: found.map { ($0.key.rawValue, $0.value) })
    }

    @Test func readsEachLayoutAndRejectsBadRowsByLine() async throws {
        let files = try TemporaryDirectory()
        let store = try await store()
        let importer = EmbeddingImporter(store: store)

        let cell = try files.file("cell.csv", "item_id,vector\na,\"[1, 2, 3]\"\nb,4 5 6\nc,7;8;x\nd,1 2\n,1 2 3\n")
        var report = try await importer.run(path: cell, workspace: .default)
        #expect(report.imported == 2)
        #expect(report.problems.map(\.line) == [4, 5, 6])
        #expect(report.problems[0].message.contains("not a number"))
        #expect(report.problems[1].message.contains("first vector has 3"))

        let columns = try files.file("columns.tsv", "id\te0\te1\te2\nb\t0.5\t-1\t1e-3\nc\t1\t1e39\t0\ne\t1\t\t2\n")
        report = try await importer.run(path: columns, workspace: .default)
        #expect(report.imported == 1)
        #expect(report.problems.map(\.line) == [3, 4])
        #expect(report.problems[0].message.contains("finite"))

        let lines = try files.file(
            "lines.jsonl", #"{"item_id": "f", "vector": [0, 0, 1]}"# + "\n" + #"{"item_id": "g", "vector": [0, "1", 1]}"# + "\n"
                + #"{"item_id": "h", "vector": null}"# + "\n" + "not json\n")
        report = try await importer.run(path: lines, workspace: .default)
        #expect(report.imported == 1)
        #expect(report.problems.map(\.line) == [2, 3, 4])
        #expect(report.problems[0].message.contains("vector[1]"))

        #expect(try await vectors(store, ["a", "b", "c", "f"]) == ["a": [1, 2, 3], "b": [0.5, -1, 1e-3], "f": [0, 0, 1]])
    }

    @Test func aFileOfAnotherDimensionLeavesStoredVectorsIntactUnlessReplacing() async throws {
        let files = try TemporaryDirectory()
        let store = try await store()
        let importer = EmbeddingImporter(store: store)
        _ = try await importer.run(path: try files.file("three.csv", "item_id,vector\na,1 2 3\nb,4 5 6\n"), workspace: .default)
        let two = try files.file("two.csv", "item_id,vector\nc,1 2\n")
        await #expect(throws: AttuneError.self) { try await importer.run(path: two, workspace: .default) }
        #expect(try await vectors(store, ["a", "b", "c"]).count == 2)

        // A dry run validates without writing.
        let dry = try await importer.run(path: two, workspace: .default, replace: true, dryRun: true)
        #expect(dry.imported == 1)
        #expect(try await vectors(store, ["a", "b", "c"]).count == 2)

        let replaced = try await importer.run(path: two, workspace: .default, replace: true)
        #expect(replaced.imported == 1)
        #expect(try await vectors(store, ["a", "b", "c"]) == ["c": [1, 2]])
    }

    @Test func filesWithoutAnItemOrAVectorAreRefusedWhole() async throws {
        let files = try TemporaryDirectory()
        let importer = EmbeddingImporter(store: try await store())
        await #expect(throws: ImportFailure.self) {
            try await importer.run(path: try files.file("a.csv", "sku,vector\nx,1\n"), workspace: .default)
        }
        await #expect(throws: ImportFailure.self) {
            try await importer.run(path: try files.file("b.csv", "item_id\nx\n"), workspace: .default)
        }
        let custom = try await importer.run(
            path: try files.file("c.csv", "sku,v1,v2\nx,1,2\n"), workspace: .default, itemColumn: "SKU")
        #expect(custom.imported == 1)
    }

    @Test func theContentModelTrainsOnEmbeddingsAloneAndBlendsThemWithText() async throws {
        // Vectors that separate the two communities: A items point one way, B items the other.
        let withText = try await ModelTrainingTests.communityStore()
        let noText = try await ModelTrainingTests.communityStore()
        for store in [withText, noText] {
            var vectors: [(item: ItemID, vector: [Float])] = []
            for c in ["A", "B"] {
                for i in 0..<30 {
                    let side: Float = c == "A" ? 1 : -1
                    vectors.append((ItemID(unchecked: "\(c)\(i)"), [side, Float(i) / 100]))
                }
            }
            try await store.putEmbeddings(vectors, in: .default)
        }
        try await noText.upsert(
            (0..<30).flatMap { i in
                ["A", "B"].map { Item(id: ItemID(unchecked: "\($0)\(i)"), createdAt: Fixtures.now, updatedAt: Fixtures.now) }
            }, in: .default)
        var tuner = ModelTuner()
        tuner.threads = 1
        tuner.quick = true
        for (store, share) in [(noText, 1.0), (withText, 0.5)] {
            let files = try TemporaryDirectory()
            let snapshot = try await ModelTraining(store: store, files: ModelFiles(dataDirectory: files.url.path), clock: FixedClock())
                .run(workspace: .default, family: .content, tuner: tuner)
            #expect(snapshot.metadata["parameters"]?["embeddingWeight"] == .number(share))
            for (user, items) in SnapshotRecommender(snapshot: snapshot).recommendAll(count: 3, threads: 1) {
                #expect(items.allSatisfy { $0.hasPrefix(user.prefix(1).uppercased()) }, "\(user) got \(items)")
            }
        }
    }
}
