import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct SegmentTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Learn segments: k-means over profile features with k chosen by silhouette, each explained in rules.",
        discussion: """
            Features per user: days since last seen, purchases, money spent, events, sessions, mean session \
            minutes, days active and counts of the most common event types, standardised. Each segment is \
            explained by a decision tree of depth 3 (printed as rules, with the share of users on which the \
            rules agree with the clustering) and named by its most distinctive features. Retraining keeps \
            segment ids by matching the new clusters to the previous ones.
            """)

    @OptionGroup var data: DataOptions
    @Option(help: "Fewest clusters to try.") var minClusters: Int = 2
    @Option(help: "Most clusters to try.") var maxClusters: Int = 8
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "kmeans, or ward (agglomerative, Ward linkage; at most 20,000 users).") var method = "kmeans"

    func validate() throws {
        guard minClusters >= 2, maxClusters >= minClusters, maxClusters <= 50 else {
            throw ValidationError("need 2 <= --min-clusters <= --max-clusters <= 50")
        }
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            var configuration = SegmentTraining.Configuration()
            configuration.clusterCounts = minClusters...maxClusters
            configuration.seed = seed
            guard let chosen = SegmentTraining.Method(rawValue: method) else { throw ValidationError("--method must be kmeans or ward") }
            configuration.method = chosen
            let result: SegmentTraining.Result
            do {
                result = try await SegmentTraining(store: store, clock: SystemClock(), configuration: configuration)
                    .run(workspace: workspace)
            } catch let error as AttuneError {
                throw ValidationError(error.message)
            }
            let scores = result.scores.map { "k=\($0.clusterCount): \(String(format: "%.3f", $0.silhouette))" }
            print("\(result.users) users; silhouette \(scores.joined(separator: ", "))")
            for (segment, members) in result.segments {
                print("\(segment.id)\t\(members.count) users\t\(segment.name)")
                if let explanation = segment.explanation {
                    print("  rules: \(explanation.rules)")
                    print("  fidelity: \(String(format: "%.3f", explanation.fidelity))")
                }
            }
        }
    }
}
