import ArgumentParser
import AttuneEngine
import AttuneML
import Foundation

struct BenchALS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "als",
        abstract: "Time ALS training (64 factors, 15 iterations) on the protocol's training split of a file.",
        discussion: "Used by scripts/bench-als-vs-implicit.sh to compare with implicit on the same data in one run.")

    @Option(help: "A user_id,item_id,timestamp file, e.g. data/ml-100k/ml-100k.inter.") var interactions: String
    @Option(help: "Worker threads.") var threads: Int = 2
    @Option(help: "Timed fits.") var repeats: Int = 5
    @Flag(help: "Train on every row (value 1) instead of the protocol's training split.") var allRows = false

    func validate() throws {
        guard FileManager.default.isReadableFile(atPath: interactions) else { throw ValidationError("cannot read \(interactions)") }
        guard (1...256).contains(threads), (1...100).contains(repeats) else { throw ValidationError("--threads 1-256, --repeats 1-100") }
    }

    func run() async throws {
        let loadStart = ContinuousClock.now
        let log = try OfflineEvaluation.readInteractions(path: interactions)
        let train: SparseMatrix
        if allRows {
            train = try log.matrix().mapValues { _ in 1 }
        } else {
            let split = HoldoutSplit(sequences: try log.chronologicalSequences(), holdout: 10)
            train = try split.trainingMatrix(itemCount: log.items.count)
        }
        print(String(format: "loaded %d users x %d items, %d interactions in %.1f s",
                     train.rowCount, train.columnCount, train.nonZeroCount, DemoCommand.seconds(ContinuousClock.now - loadStart)))
        let configuration = ImplicitALS.Configuration(factors: 64, regularization: 0.05, alpha: 5, iterations: 15, seed: 42)
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            _ = try ImplicitALS.fit(interactions: train, configuration: configuration, threads: threads)
            times.append(DemoCommand.seconds(ContinuousClock.now - start))
        }
        times.sort()
        print("attune ALS fit threads=\(threads): runs \(times.map { String(format: "%.3f", $0) }) median "
            + String(format: "%.3f s", times[times.count / 2]))
    }
}
