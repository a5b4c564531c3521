import ArgumentParser
import AttuneCore
import AttuneEngine
import Dispatch
import Foundation

struct BenchMemory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Resident memory of `attune serve` on a synthetic factor model, against its budget.",
        discussion: """
            Writes an ALS snapshot of random factors (--users x --items, --factors wide, \
            --interactions-per-user training items each) into a temporary data directory, serves it \
            from a child `attune serve`, asks --requests recommendations for random users, then reads \
            the server's VmRSS and VmHWM from /proc and the model's own accounting from /metrics \
            (attune_model_memory_bytes). The budget is --budget times the raw bytes of the factors \
            plus the retrieval index; exits 1 when resident memory, or its peak while the model loaded, is \
            over it.
            """)

    @Option(help: "Users in the model.") var users = 1_000_000
    @Option(help: "Items in the model (50,000 or more get an HNSW index).") var items = 100_000
    @Option(help: "Factors per vector.") var factors = 64
    @Option(help: "Training items per user.") var interactionsPerUser = 5
    @Option(help: "Recommendation requests for random users before measuring.") var requests = 20_000
    @Option(help: "Allowed resident memory as a multiple of factors plus index.") var budget = 2.0

    func validate() throws {
        guard (1...100_000_000).contains(users), (1...10_000_000).contains(items) else {
            throw ValidationError("--users and --items must be positive (at most 100,000,000 and 10,000,000)")
        }
        guard (1...1_024).contains(factors) else { throw ValidationError("--factors must be from 1 to 1024") }
        guard (0...1_000).contains(interactionsPerUser) else { throw ValidationError("--interactions-per-user must be from 0 to 1000") }
        guard requests >= 0 else { throw ValidationError("--requests must not be negative") }
        guard budget > 0 else { throw ValidationError("--budget must be positive") }
    }

    func run() async throws {
        let key = APIKeyFactory.generate(scope: .admin)
        let idle = try Self.idleResidentKiB(adminKey: key)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(BenchServe.loadAverage())")
        print("server with no model: VmRSS \(Self.mib(idle.rss)), VmHWM \(Self.mib(idle.hwm))")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-memory-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var started = DispatchTime.now().uptimeNanoseconds
        try writeSnapshot(into: directory)
        let fileBytes = (try? FileManager.default.attributesOfItem(
            atPath: "\(directory)/models/default/v1.model")[.size] as? NSNumber)?.intValue ?? 0
        print(String(format: "synthetic ALS snapshot: %d users x %d items x %d factors, %d training items per user; %@ on disk (%.1f s)",
                     users, items, factors, interactionsPerUser, Self.mib(fileBytes / 1024), Self.seconds(since: started)))

        let server = try ChildServer(dataDirectory: directory, adminKey: key)
        defer { server.stop() }
        let client = LoopbackHTTPClient(port: server.port)
        let headers = [("Authorization", "Bearer \(key)")]
        started = DispatchTime.now().uptimeNanoseconds
        while try client.send(method: "GET", path: "/v1/users/u0/recommendations?count=10", headers: headers).text
            .contains("\"modelVersion\":null")
        {
            guard Self.seconds(since: started) < 1_200 else { throw ValidationError("the server did not load the model within 20 minutes") }
            usleep(200_000)
        }
        print(String(format: "model served %.1f s after the server started listening", Self.seconds(since: started)))

        started = DispatchTime.now().uptimeNanoseconds
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        for _ in 0..<requests {
            let user = Int.random(in: 0..<users, using: &generator)
            let response = try client.send(method: "GET", path: "/v1/users/u\(user)/recommendations?count=10", headers: headers)
            if response.status != 200 { failures += 1 }
        }
        print(String(format: "%d recommendation requests for random users in %.1f s, %d not 200", requests, Self.seconds(since: started), failures))

        let metrics = try client.send(method: "GET", path: "/metrics").text
        let parts = Self.modelBytes(metrics)
        guard let rss = server.statusKiB("VmRSS"), let hwm = server.statusKiB("VmHWM") else {
            throw ValidationError("cannot read the server's /proc/\(server.pid)/status")
        }
        let raw = (users + items) * factors * 4
        let index = parts["index"] ?? 0
        let allowed = budget * Double(raw + index)
        print("model accounting (attune_model_memory_bytes):")
        for part in ["factors", "index", "vocabularies", "interactions", "derived"] {
            print("  \(part.padding(toLength: 13, withPad: " ", startingAt: 0)) \(Self.mib((parts[part] ?? 0) / 1024))")
        }
        print("raw factors \(Self.mib(raw / 1024)) + index \(Self.mib(index / 1024)) = \(Self.mib((raw + index) / 1024)); "
            + "budget \(budget)x = \(Self.mib(Int(allowed) / 1024))")
        let rssRatio = Double(rss * 1024) / Double(raw + index)
        let hwmRatio = Double(hwm * 1024) / Double(raw + index)
        print(String(format: "server VmRSS %@ (%.2fx), VmHWM %@ (%.2fx); RssAnon %@, RssFile %@",
                     Self.mib(rss), rssRatio, Self.mib(hwm), hwmRatio,
                     Self.mib(server.statusKiB("RssAnon") ?? 0), Self.mib(server.statusKiB("RssFile") ?? 0)))
        let perMillion = Double(rss) / 1024 / (Double(users + items) / 1e6)
        print(String(format: "per million users and items (%d factors): %.0f MiB resident (raw factors %.0f MiB)",
                     factors, perMillion, Double(factors * 4) * 1e6 / 1_048_576))
        guard failures == 0 else { throw ExitCode(1) }
        guard Double(rss * 1024) <= allowed else {
            print("OVER BUDGET: resident memory is above \(budget)x factors plus index")
            throw ExitCode(1)
        }
        // The peak is when the snapshot and index are decoded: a copy of the file held beside the
        // model would show here and not in VmRSS.
        guard Double(hwm * 1024) <= allowed else {
            print("OVER BUDGET AT PEAK: the server's VmHWM is above \(budget)x factors plus index")
            throw ExitCode(1)
        }
        print("within budget, peak included")
    }

    /// In a function of its own, so the snapshot is freed before the server starts.
    func writeSnapshot(into directory: String) throws {
        let snapshot = try ModelSnapshot.syntheticALS(
            users: users, items: items, factors: factors, interactionsPerUser: interactionsPerUser)
        try ModelFiles(dataDirectory: directory).save(snapshot)
    }

    /// The resident memory of a server on an empty data directory, after one request.
    static func idleResidentKiB(adminKey: String) throws -> (rss: Int, hwm: Int) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-memory-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ChildServer(dataDirectory: directory, adminKey: adminKey)
        defer { server.stop() }
        _ = try LoopbackHTTPClient(port: server.port).send(method: "GET", path: "/healthz")
        return (server.statusKiB("VmRSS") ?? 0, server.statusKiB("VmHWM") ?? 0)
    }

    /// `attune_model_memory_bytes{…,part="P"} V` lines of a Prometheus text page, by part.
    static func modelBytes(_ page: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for line in page.split(separator: "\n") where line.hasPrefix("attune_model_memory_bytes{") {
            guard let part = line.range(of: "part=\""), let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            let name = line[part.upperBound...].prefix { $0 != "\"" }
            out[String(name)] = Int(value)
        }
        return out
    }

    static func mib(_ kib: Int) -> String { String(format: "%.1f MiB", Double(kib) / 1024) }

    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
