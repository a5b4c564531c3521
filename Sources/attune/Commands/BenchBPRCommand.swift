import ArgumentParser
import AttuneML
import Foundation

struct BenchBPR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpr",
        abstract: "Time BPR training and top-10 for all users on the protocol's training split of a file.",
        discussion: """
            Used by scripts/bench-bpr-vs-implicit.sh to compare with implicit on the same data in one run. \
            An epoch draws as many (user, positive, negative) triples as the matrix has entries, as one \
            iteration of implicit does, so equal --epochs means equal work.
            """)

    @Option(help: "A user_id,item_id,timestamp file, e.g. data/ml-100k/ml-100k.inter.") var interactions: String
    @Option(help: "Worker threads.") var threads: Int = 2
    @Option(help: "Timed fits.") var repeats: Int = 5
    @Option(help: "Latent factors.") var factors: Int = 64
    @Option(help: "Passes over the interactions.") var epochs: Int = 100
    @Option(help: "SGD step size.") var learningRate: Float = 0.01
    @Option(help: "L2 penalty.") var regularization: Float = 0.01
    @Option(help: "Seeds the initial factors and the sampling.") var seed: UInt64 = 42
    @Flag(help: "Train on every row (value 1) instead of the protocol's training split.") var allRows = false
    @Flag(help: "Skip the top-10-for-all-users timing.") var noRecommend = false

    func validate() throws {
        guard FileManager.default.isReadableFile(atPath: interactions) else { throw ValidationError("cannot read \(interactions)") }
        guard (1...256).contains(threads), (1...100).contains(repeats) else { throw ValidationError("--threads 1-256, --repeats 1-100") }
        guard (1...1_024).contains(factors), (0...100_000).contains(epochs) else { throw ValidationError("--factors 1-1024, --epochs 0-100000") }
        guard learningRate > 0, learningRate.isFinite, regularization >= 0, regularization.isFinite else {
            throw ValidationError("--learning-rate must be positive and --regularization non-negative")
        }
    }

    func run() async throws {
        let bench = try FactorBench(path: interactions, allRows: allRows)
        let configuration = BPR.Configuration(
            factors: factors, learningRate: learningRate, regularization: regularization, iterations: epochs, seed: seed)
        let model = try FactorBench.timed("attune BPR fit threads=\(threads)", repeats: repeats) {
            try BPR.fit(interactions: bench.train, configuration: configuration, threads: threads)
        }
        if !noRecommend { bench.recommendAll(model, label: "attune BPR", threads: threads, repeats: repeats) }
    }
}
