import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import Dispatch
import Foundation

struct BenchModelLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-load",
        abstract: "Time to load a served factor model whose retrieval index was saved with it, against rebuilding the index.",
        discussion: """
            Saves a synthetic ALS model (random factors, seeded) in a temporary data directory, with \
            its HNSW index beside the snapshot, then times what the server does at promotion: read \
            the snapshot and make it servable, once reading the saved index and once rebuilding it.
            """)

    @Option(help: "Items in the catalogue.") var items: Int = 100_000
    @Option(help: "Users in the model.") var users: Int = 10_000
    @Option(help: "Factors per vector.") var factors: Int = 64
    @Option(help: "Timed loads of each kind (the median is reported).") var repeats: Int = 3
    @Option(help: "Seed of the random factors.") var seed: UInt64 = 1

    func validate() throws {
        guard (1_000...5_000_000).contains(items) else { throw ValidationError("--items 1000-5000000") }
        guard (1...10_000_000).contains(users), (2...512).contains(factors) else { throw ValidationError("--users 1-10000000, --factors 2-512") }
        guard (1...20).contains(repeats) else { throw ValidationError("--repeats 1-20") }
    }

    func run() async throws {
        var rng = SeededGenerator(seed: seed)
        func matrix(_ rows: Int) -> DenseMatrix {
            var m = DenseMatrix(rowCount: rows, columnCount: factors)
            for i in 0..<m.values.count { m.values[i] = Float(Int(rng.next() % 20_001) - 10_000) / 40_000 }
            return m
        }
        let als = try ImplicitALS(configuration: .init(factors: factors), userFactors: matrix(users), itemFactors: matrix(items))
        let snapshot = ModelSnapshot(
            version: 1, workspace: .default, createdAt: Timestamp(millisecondsSinceEpoch: 0), metadata: .object([]),
            users: Vocabulary((0..<users).map { "u\($0)" }), items: Vocabulary((0..<items).map { "i\($0)" }),
            seen: try SparseMatrix(rowLists: Array(repeating: [], count: users), columnCount: items),
            model: TrainedRecommender(family: .als, model: als))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var files = ModelFiles(dataDirectory: directory.path)
        files.indexMinimumItems = 1
        print("model: \(items) items x \(factors) factors, \(users) users; load average \(BenchANN.loadAverage())")
        let saveStart = DispatchTime.now().uptimeNanoseconds
        try files.save(snapshot)
        let saveSeconds = BenchANN.seconds(since: saveStart)
        let folder = directory.appendingPathComponent("models/default")
        func size(_ name: String) -> Double {
            let bytes = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size]) as? NSNumber
            return (bytes?.doubleValue ?? 0) / 1e6
        }
        print(String(format: "save with index build: %.2f s (v1.model %.1f MB, v1.index %.1f MB)", saveSeconds, size("v1.model"), size("v1.index")))

        var stored: [Double] = []
        var rebuilt: [Double] = []
        for _ in 0..<repeats {
            var start = DispatchTime.now().uptimeNanoseconds
            let loaded = try files.load(version: 1, in: .default)
            let withIndex = ServingModel(snapshot: loaded, storedIndex: files.loadIndex(for: loaded), retrievalMinimumItems: 1)
            stored.append(BenchANN.seconds(since: start))
            guard withIndex.indexSource == "loaded" else { throw ValidationError("the saved index was not used: \(withIndex.indexSource ?? "none")") }
            start = DispatchTime.now().uptimeNanoseconds
            let again = try files.load(version: 1, in: .default)
            let withoutIndex = ServingModel(snapshot: again, storedIndex: .none, retrievalMinimumItems: 1)
            rebuilt.append(BenchANN.seconds(since: start))
            guard withoutIndex.retrieval != nil else { throw ValidationError("no index was rebuilt") }
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        // A catalogue change on the served value: the index's arrays are copied (requests may hold
        // the old value), then one item is inserted, or one tombstoned.
        let loaded = try files.load(version: 1, in: .default)
        let served = ServingModel(snapshot: loaded, storedIndex: files.loadIndex(for: loaded), retrievalMinimumItems: 1)
        var inserts: [Double] = []
        var removals: [Double] = []
        for r in 0..<repeats {
            var change = CatalogueChange()
            change.added = [("new-\(r)", als.itemFactors.row(r), Int32(r))]
            var start = DispatchTime.now().uptimeNanoseconds
            let next = served.applying(change)
            inserts.append(BenchANN.seconds(since: start))
            guard next.itemLabel(of: "new-\(r)") != nil else { throw ValidationError("the new item was not added") }
            change = CatalogueChange()
            change.withdrawn = [loaded.items.key(at: Int32(r))!]
            start = DispatchTime.now().uptimeNanoseconds
            _ = served.applying(change)
            removals.append(BenchANN.seconds(since: start))
        }
        print(String(format: "live change on the served model: insert one item median %.1f ms, tombstone one %.1f ms (each copies the shared index once)",
                     median(inserts) * 1000, median(removals) * 1000))
        print(String(format: "load, saved index read:  median %.2f s of %d (%@)", median(stored), repeats,
                     stored.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
        print(String(format: "load, index rebuilt:     median %.2f s of %d (%@)", median(rebuilt), repeats,
                     rebuilt.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
        print("load average after: \(BenchANN.loadAverage())")
    }
}
