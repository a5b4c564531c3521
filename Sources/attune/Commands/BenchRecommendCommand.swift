import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import Dispatch
import Foundation
import Logging

/// The recommendation service alone, in this process: what a request costs before HTTP, so that
/// the engine's share of `attune bench serve` can be told from the server's.
struct BenchRecommend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Time the recommendation service in-process, without HTTP.",
        discussion: """
            Loads the newest model of --data-dir as the server does, asks once for each of a random sample \
            of its users (filling the per-user read cache, as in steady serving), then asks --requests \
            times for random users of the sample from --tasks concurrent tasks, and prints requests per second.
            """)

    @Option(help: "Data directory with a trained model.") var dataDir = "data/bench-serve"
    @Option(help: "Users sampled from the model.") var users = 20_000
    @Option(help: "Timed requests.") var requests = 50_000
    @Option(help: "Recommendations per request.") var count = 10
    @Option(help: "Concurrent tasks sharing the timed requests.") var tasks = 1

    func validate() throws {
        guard (1...10_000_000).contains(users) else { throw ValidationError("--users must be from 1 to 10000000") }
        guard (1...10_000_000).contains(requests) else { throw ValidationError("--requests must be from 1 to 10000000") }
        guard (1...64).contains(tasks) else { throw ValidationError("--tasks must be from 1 to 64") }
        guard (1...RecommendationService.maxCount).contains(count) else {
            throw ValidationError("--count must be from 1 to \(RecommendationService.maxCount)")
        }
    }

    func run() async throws {
        let store = try DataDirectory.openStore(dataDir)
        let registry = ModelRegistry(files: ModelFiles(dataDirectory: dataDir), logger: Logger(label: "attune.bench"))
        registry.refresh()
        guard let model = registry.model(for: .default) else { throw ValidationError("no model in \(dataDir)") }
        let service = RecommendationService(registry: registry, store: store)
        let all = (0..<model.snapshot.users.count).compactMap { model.snapshot.users.key(at: Int32($0)) }
        let sample = all.count > users ? Array(all.shuffled().prefix(users)) : all
        var request = RecommendationRequest()
        request.count = count
        let warm = DispatchTime.now().uptimeNanoseconds
        for user in sample { _ = try await service.recommend(user: UserID(unchecked: user), in: .default, request: request) }
        let warmSeconds = Double(DispatchTime.now().uptimeNanoseconds - warm) / 1e9
        var rng = SystemRandomNumberGenerator()
        let picks = (0..<requests).map { _ in UserID(unchecked: sample[Int(rng.next() % UInt64(sample.count))]) }
        let cpuStart = CPUTime.process
        let start = DispatchTime.now().uptimeNanoseconds
        let returned = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                group.addTask { [request] in
                    var returned = 0
                    for index in stride(from: task, to: picks.count, by: tasks) {
                        returned += try await service.recommend(user: picks[index], in: .default, request: request).items.count
                    }
                    return returned
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = CPUTime.process - cpuStart
        print(String(format: "model v%d (%@): %d users, %d items; load %@", model.version, model.snapshot.family.rawValue,
                     model.snapshot.users.count, model.snapshot.items.count, BenchServe.loadAverage()))
        print(String(format: "first request per user (cold read cache): %.1f µs", 1e6 * warmSeconds / Double(sample.count)))
        print(String(format: "warm: %d requests from %d tasks in %.2f s: %.0f requests/s, %.1f µs of wall time per request (%d items returned)",
                     requests, tasks, seconds, Double(requests) / seconds, 1e6 * seconds / Double(requests), returned))
        print(String(format: "CPU: %.1f µs per request (this process, all threads)", 1e6 * cpu / Double(requests)))
    }
}
