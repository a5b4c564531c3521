import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import Dispatch
import Foundation

/// Times the exact top-k scan that serves factor models below the HNSW threshold, on a saved
/// model, one query at a time on one thread; hidden, it is a developer's measurement.
struct BenchScan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Microseconds per query of the exact factor scan (NormBoundedSearch) on a saved model.",
        discussion: """
            Loads the newest (or --version) model snapshot of --data-dir, takes the item factors of \
            its ALS or BPR model and --queries random trained users (seeded), and asks for the top k \
            outside each user's training history, for each --k, --rounds times, on this thread. \
            Prints the median microseconds per query (wall clock, and the thread's CPU time, the \
            steadier figure on a shared machine), the items scored before the norm bound \
            stopped the scan, and a checksum of every answer (items and score bits) so that two \
            builds can be checked to answer the same.
            """,
        shouldDisplay: false)

    @Option(help: "Data directory holding models/<workspace>/v<N>.model.") var dataDir = "data/bench-serve"
    @Option(help: "Model version; the newest when omitted.") var version: Int?
    @Option(help: "Queries per round (random trained users).") var queries = 20_000
    @Option(help: "Timed rounds per k (the median is reported).") var rounds = 5
    @Option(parsing: .upToNextOption, help: "Result sizes to time.") var k: [Int] = [20, 50]
    @Option(help: "Seed of the user sample.") var seed: UInt64 = 1

    func validate() throws {
        guard (1...10_000_000).contains(queries), (1...100).contains(rounds) else {
            throw ValidationError("--queries 1-10000000, --rounds 1-100")
        }
        guard !k.isEmpty, k.allSatisfy({ (1...10_000).contains($0) }) else {
            throw ValidationError("--k values from 1 to 10000")
        }
    }

    func run() async throws {
        let files = ModelFiles(dataDirectory: dataDir)
        guard let chosen = version ?? files.versions(in: .default).max() else {
            throw ValidationError("no model in \(dataDir)/models/default")
        }
        let snapshot = try files.load(version: chosen, in: .default)
        let search: NormBoundedSearch
        let users: DenseMatrix
        let label: String
        if let als = snapshot.model.components.lazy.compactMap({ $0 as? ImplicitALS }).first {
            search = NormBoundedSearch(itemFactors: als.itemFactors)
            users = als.userFactors
            label = "ALS \(als.itemFactors.rowCount) items x \(als.itemFactors.columnCount)"
        } else if let bpr = snapshot.model.components.lazy.compactMap({ $0 as? BPR }).first {
            // The scan's query for item biases is [u, 1]; the search takes u and adds the bias.
            search = NormBoundedSearch(itemFactors: bpr.itemFactors, itemBias: bpr.itemBias)
            users = bpr.userFactors
            label = "BPR \(bpr.itemFactors.rowCount) items x \(bpr.itemFactors.columnCount)"
        } else {
            throw ValidationError("model v\(chosen) has no ALS or BPR component")
        }
        let trained = min(users.rowCount, snapshot.seen.rowCount)
        guard trained > 0 else { throw ValidationError("the model has no trained users") }
        var rng = SeededGenerator(seed: seed)
        let sample = (0..<queries).map { _ in Int(rng.next() % UInt64(trained)) }
        let vectors = sample.map { users.row($0) }
        let histories = sample.map { Array(snapshot.seen.columns(ofRow: $0)) }
        let meanHistory = Double(histories.reduce(0) { $0 + $1.count }) / Double(queries)
        print(String(format: "model v%d: %@, %d users; %d queries, mean history %.1f items; load average %@",
                     chosen, label, users.rowCount, queries, meanHistory, BenchANN.loadAverage()))
        for size in k {
            var times: [Double] = []
            var cpuTimes: [Double] = []
            var visitedTotal = 0
            var checksum: UInt64 = 0xcbf2_9ce4_8422_2325
            for round in 0..<rounds {
                var visited = 0
                var sum = 0
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                let cpuStart = CPUTime.thread
                let start = DispatchTime.now().uptimeNanoseconds
                for q in 0..<queries {
                    let found = vectors[q].withUnsafeBufferPointer {
                        search.top(userVector: $0, k: size, excluding: histories[q], visited: &visited)
                    }
                    sum += visited
                    // FNV-1a over the answer, folded in after the clock's reading would be cheap
                    // anyway next to a scan; it keeps the compiler from dropping the work.
                    for (item, score) in found {
                        hash = (hash ^ UInt64(UInt32(bitPattern: item))) &* 0x100_0000_01b3
                        hash = (hash ^ UInt64(score.bitPattern)) &* 0x100_0000_01b3
                    }
                }
                times.append(BenchANN.seconds(since: start))
                cpuTimes.append(CPUTime.thread - cpuStart)
                if round == 0 {
                    visitedTotal = sum
                    checksum = hash
                } else if hash != checksum {
                    throw ValidationError("answers differ between rounds")
                }
            }
            let sorted = times.sorted()
            // On a machine shared with other work the thread's CPU time is the steadier figure:
            // wall time also counts the time the thread waited for a core.
            let format = "k=%-4d %8.2f µs/query median of %d rounds (%@), CPU %.2f µs/query (%@); "
                + "visited %.0f items (%.1f%%); checksum %016llx"
            print(String(format: format,
                         size, sorted[rounds / 2] / Double(queries) * 1e6, rounds,
                         times.map { String(format: "%.2f", $0 / Double(queries) * 1e6) }.joined(separator: " "),
                         cpuTimes.sorted()[rounds / 2] / Double(queries) * 1e6,
                         cpuTimes.map { String(format: "%.2f", $0 / Double(queries) * 1e6) }.joined(separator: " "),
                         Double(visitedTotal) / Double(queries),
                         Double(visitedTotal) / Double(queries * search.itemCount) * 100,
                         checksum))
        }
        print("load average after: \(BenchANN.loadAverage())")
    }
}
