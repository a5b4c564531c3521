import ArgumentParser
import AttuneML
import Foundation

struct BenchALS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "als",
        abstract: "Time ALS training (64 factors, 15 iterations) and top-10 for all users on the protocol's training split of a file.",
        discussion: "Used by scripts/bench-als-vs-implicit.sh to compare with implicit on the same data in one run.")

    @Option(help: "A user_id,item_id,timestamp file, e.g. data/ml-100k/ml-100k.inter.") var interactions: String
    @Option(help: "Worker threads.") var threads: Int = 2
    @Option(help: "Timed fits.") var repeats: Int = 5
    @Flag(help: "Train on every row (value 1) instead of the protocol's training split.") var allRows = false
    @Flag(help: "Skip the top-10-for-all-users timing.") var noRecommend = false

    func validate() throws {
        guard FileManager.default.isReadableFile(atPath: interactions) else { throw ValidationError("cannot read \(interactions)") }
        guard (1...256).contains(threads), (1...100).contains(repeats) else { throw ValidationError("--threads 1-256, --repeats 1-100") }
    }

    func run() async throws {
        let bench = try FactorBench(path: interactions, allRows: allRows)
        let configuration = ImplicitALS.Configuration(factors: 64, regularization: 0.05, alpha: 5, iterations: 15, seed: 42)
        let model = try FactorBench.timed("attune ALS fit threads=\(threads)", repeats: repeats) {
            try ImplicitALS.fit(interactions: bench.train, configuration: configuration, threads: threads)
        }
        if !noRecommend { bench.recommendAll(model, label: "attune ALS", threads: threads, repeats: repeats) }
    }
}
