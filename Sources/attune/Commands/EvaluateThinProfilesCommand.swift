import ArgumentParser
import AttuneEngine
import Foundation

struct EvaluateThinProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thin-profiles",
        abstract: "Measure how much popularity to blend into the recommendations of profiles with little behaviour.",
        discussion: """
            Holds a seeded 20% of the users of DIR/ml-100k.inter out of training, serves each from their first n \
            interactions (ALS fold-in) blended with the popular items at several personal weights, and scores \
            NDCG@10 and hit rate on the interactions that followed, per n with the behaviour part of the \
            profile's completeness score.
            """)

    @Option(help: "Directory holding ml-100k.inter.") var data: String
    @Option(help: "Seed of the held-out users and of the factors.") var seed: UInt64 = 42
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256") }
    }

    func run() async throws {
        let path = URL(fileURLWithPath: data).appendingPathComponent("ml-100k.inter").path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ValidationError("cannot read \(path); fetch it with scripts/fetch-movielens.sh \(data)")
        }
        let log: InteractionLog
        do {
            log = try OfflineEvaluation.readInteractions(path: path)
        } catch let failure as ImportFailure {
            throw ValidationError(failure.description)
        }
        var evaluation = ThinProfileEvaluation()
        evaluation.seed = seed
        evaluation.threads = threads
        let cells = try evaluation.run(log: log)
        print("| history | users | behaviour | " + evaluation.weights.map { "w=\($0) NDCG / HR" }.joined(separator: " | ")
            + " | w=behaviour (served) |")
        print("| --- | --- | --- | " + evaluation.weights.map { _ in "---" }.joined(separator: " | ") + " | --- |")
        for n in evaluation.lengths {
            let row = cells.filter { $0.historyLength == n }
            guard let first = row.first else { continue }
            print(String(format: "| %d | %d | %.3f | ", n, first.users, first.behaviour)
                + row.map { String(format: "%.4f / %.3f", $0.ndcg, $0.hitRate) }.joined(separator: " | ") + " |")
        }
    }
}
