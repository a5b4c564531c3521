import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import Dispatch
import Foundation
import Synchronization

struct BenchServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Recommendation latency and throughput of `attune serve` over loopback.",
        discussion: """
            Serves --data-dir (prepared on first use from --interactions: import, then `train --model \
            --model`) from a child `attune serve` process; asks once for each of a random sample of up \
            to 20,000 of the model's users (--no-warmup skips this), then measures, for users of that sample, (a) saturated requests/s of \
            GET /v1/users/{random}/recommendations against GET /healthz with wrk (2 threads, \
            --connections connections; install Debian's wrk), and (b) latency at an offered load of \
            --rate requests/s, open loop: every request has a scheduled send time and its latency is \
            counted from that time, so a slow server cannot slow the load down (no coordinated omission).
            """)

    @Option(help: "Data directory with a trained model (made from --interactions when it has none).")
    var dataDir = "data/bench-serve"
    @Option(help: "user_id,item_id,timestamp file to prepare --data-dir from.")
    var interactions = "data/synthetic/synthetic-5m.csv"
    @Option(help: "Model family to train when preparing.") var model = "als"
    @Option(help: "Seconds per measurement.") var seconds = 20
    @Option(help: "wrk connections for the saturated runs.") var connections = 64
    @Option(help: "Offered load of the open-loop run, requests/s.") var rate = 2_000
    @Option(help: "Sending threads (each with one keep-alive connection) of the open-loop run.") var senders = 32
    @Option(help: "Recommendations per request.") var count = 10
    @Option(help: "The server's --event-loops (default: serve's own default).") var eventLoops: Int?
    @Flag(inversion: .prefixedNo, help: "Ask for each sampled user once before measuring (fills the per-user read cache).")
    var warmup = true
    @Option(help: "recommendations (GET /v1/users/{id}/recommendations) or profile (GET /v1/users/{id}, the admin profile read).")
    var endpoint = "recommendations"

    func validate() throws {
        guard (1...3_600).contains(seconds) else { throw ValidationError("--seconds must be from 1 to 3600") }
        guard (1...1_024).contains(connections) else { throw ValidationError("--connections must be from 1 to 1024") }
        guard (1...100_000).contains(rate) else { throw ValidationError("--rate must be from 1 to 100000") }
        guard (1...512).contains(senders) else { throw ValidationError("--senders must be from 1 to 512") }
        guard ModelFamily(rawValue: model) != nil else { throw ValidationError("unknown model \"\(model)\"") }
        if let eventLoops, !(1...256).contains(eventLoops) { throw ValidationError("--event-loops must be from 1 to 256") }
        guard ["recommendations", "profile"].contains(endpoint) else {
            throw ValidationError("--endpoint must be recommendations or profile")
        }
    }

    /// The measured request's path below `/v1/users/{id}`.
    var pathSuffix: String { endpoint == "profile" ? "" : "/recommendations?count=\(count)" }

    func run() async throws {
        try prepare()
        let key = APIKeyFactory.generate(scope: .admin)
        let server = try ChildServer(dataDirectory: dataDir, adminKey: key, extraArguments: eventLoops.map { ["--event-loops", String($0)] } ?? [])
        defer { server.stop() }
        let users = try server.modelUsers()
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(Self.loadAverage()); "
            + "model: \(users.count) users; server pid \(server.pid)")
        // The server answers from the catalogue until its model has loaded.
        let loading = DispatchTime.now().uptimeNanoseconds
        var probe = try LoopbackHTTPClient(port: server.port).send(
            method: "GET", path: "/v1/users/\(users[0])/recommendations?count=\(count)", headers: [("Authorization", "Bearer \(key)")])
        while endpoint == "recommendations", probe.text.contains("\"modelVersion\":null") {
            guard DispatchTime.now().uptimeNanoseconds - loading < 600_000_000_000 else {
                throw ValidationError("the server did not load its model within 10 minutes")
            }
            usleep(200_000)
            probe = try LoopbackHTTPClient(port: server.port).send(
                method: "GET", path: "/v1/users/\(users[0])/recommendations?count=\(count)",
                headers: [("Authorization", "Bearer \(key)")])
        }
        print(String(format: "model loaded %.1f s after the server started listening", Double(DispatchTime.now().uptimeNanoseconds - loading) / 1e9))
        print("sample: \(probe.status) \(probe.text.prefix(200))")
        // The measured users: a random sample, each asked for once before anything is counted, so
        // that the runs measure steady serving (per-user reads cached until the next write) rather
        // than the first SQLite read of each user.
        let sample = users.count > Self.sampledUsers ? Array(users.shuffled().prefix(Self.sampledUsers)) : users
        if warmup {
            let warm = try warmUp(port: server.port, users: sample, key: key)
            print(String(format: "warm-up: each of %d users asked once (%.0f requests/s, %d errors)", sample.count, warm.rps, warm.errors))
        }

        if let wrk = Self.which("wrk") {
            let script = try writeScript(users: sample, key: key)
            defer { try? FileManager.default.removeItem(atPath: script) }
            // The server's CPU per request beside requests/s: on a shared machine it varies far
            // less, and it shows what each route costs apart from wrk's share of the cores.
            var cpu = CPUTime.of(server.pid)
            let health = try Self.wrk(wrk, port: server.port, path: "/healthz", script: nil, connections: connections, seconds: seconds)
            let healthCPU = CPUTime.of(server.pid) - cpu
            cpu = CPUTime.of(server.pid)
            let recs = try Self.wrk(wrk, port: server.port, path: "/", script: script, connections: connections, seconds: seconds)
            let recsCPU = CPUTime.of(server.pid) - cpu
            print(String(format: "saturated (wrk, 2 threads, %d connections, %d s):", connections, seconds))
            print(String(format: "  GET /healthz          %9.0f requests/s  p50 %6.2f ms  p99 %6.2f ms  server CPU %5.1f µs/request",
                         health.rps, health.p50, health.p99, 1e6 * healthCPU / max(health.requests, 1)))
            let label = "GET " + endpoint + String(repeating: " ", count: max(0, 18 - endpoint.count))
            print("  " + label + String(format: "%9.0f requests/s  p50 %6.2f ms  p99 %6.2f ms  server CPU %5.1f µs/request  (%.0f%% of /healthz)",
                         recs.rps, recs.p50, recs.p99, 1e6 * recsCPU / max(recs.requests, 1), 100 * recs.rps / max(health.rps, 1)))
        } else {
            print("saturated: skipped (wrk is not installed: apt-get install wrk)")
        }

        let open = try openLoop(port: server.port, users: sample, key: key)
        print(String(format: "open loop at %d requests/s for %d s (%d senders): sent %d, %.0f requests/s answered, %d errors",
                     rate, seconds, senders, open.sent, open.answeredPerSecond, open.errors))
        print(String(format: "  latency from scheduled send: p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms",
                     open.percentile(0.5), open.percentile(0.99), open.percentile(0.999), open.percentile(1)))
    }

    /// Imports and trains when the data directory has no model yet.
    func prepare() throws {
        try Self.prepare(dataDir: dataDir, interactions: interactions, model: model)
    }

    static func prepare(dataDir: String, interactions: String, model: String) throws {
        let models = URL(fileURLWithPath: dataDir).appendingPathComponent("models").path
        if FileManager.default.fileExists(atPath: models) { return }
        guard FileManager.default.isReadableFile(atPath: interactions) else {
            throw ValidationError("no model in \(dataDir) and cannot read \(interactions) (scripts/bench-als-synthetic.sh makes it)")
        }
        print("preparing \(dataDir) from \(interactions) (import, then train --model \(model)) ...")
        for arguments in [
            ["import", "events", "--data-dir", dataDir, interactions],
            ["train", "--data-dir", dataDir, "--model", model, "--quick"],
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw ValidationError("`attune \(arguments[0])` failed") }
        }
    }

    static let sampledUsers = 20_000

    /// Asks for each of `users` once from 16 keep-alive connections.
    func warmUp(port: Int, users: [String], key: String) throws -> (rps: Double, errors: Int) {
        let errors = Atomic<Int>(0)
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: 16) { [pathSuffix] worker in
            let client = LoopbackHTTPClient(port: port)
            for index in stride(from: worker, to: users.count, by: 16) {
                let response = try? client.send(
                    method: "GET", path: "/v1/users/\(users[index])\(pathSuffix)", headers: [("Authorization", "Bearer \(key)")])
                if response?.status != 200 { errors.add(1, ordering: .relaxed) }
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return (Double(users.count) / elapsed, errors.load(ordering: .relaxed))
    }

    /// A wrk script that asks for a random one of `users`' recommendations on every request.
    func writeScript(users: [String], key: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("attune-bench-\(UUID().uuidString).lua").path
        let list = users.map { "\"\($0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }
            .joined(separator: ",")
        let script = """
            local users = {\(list)}
            math.randomseed(42)
            wrk.headers["Authorization"] = "Bearer \(key)"
            request = function()
              return wrk.format("GET", "/v1/users/" .. users[math.random(#users)] .. "\(pathSuffix)")
            end
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    struct WrkResult {
        var rps: Double
        /// Requests completed in the run.
        var requests: Double
        var p50: Double
        var p99: Double
    }

    static func wrk(_ wrk: String, port: Int, path: String, script: String?, connections: Int, seconds: Int) throws -> WrkResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        var arguments = ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency"]
        if let script { arguments += ["-s", script] }
        process.arguments = arguments + ["http://127.0.0.1:\(port)\(path)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        func number(after label: String) -> Double? {
            guard let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
            else { return nil }
            let token = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(label.split(separator: " ").count).first
            return token.flatMap(milliseconds)
        }
        guard let rps = number(after: "Requests/sec:") else { throw ValidationError("could not read wrk's output:\n\(text)") }
        if text.contains("Non-2xx") { print("warning: wrk saw non-2xx responses:\n\(text)") }
        // wrk's summary line: "123456 requests in 20.00s, 45.67MB read".
        let total = text.split(separator: "\n").first { $0.contains(" requests in ") }
            .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).first }.flatMap { Double($0) }
        return WrkResult(
            rps: rps, requests: total ?? rps * Double(seconds), p50: number(after: "50%") ?? .nan,
            p99: number(after: "99%") ?? .nan)
    }

    /// wrk prints `1.23ms`, `456.00us`, `1.02s` or a bare number.
    static func milliseconds(_ token: Substring) -> Double? {
        for (suffix, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where token.hasSuffix(suffix) {
            return Double(token.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(token)
    }

    struct OpenLoopResult {
        var sent: Int
        var errors: Int
        var answeredPerSecond: Double
        var latencies: [Double]

        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))]
        }
    }

    func openLoop(port: Int, users: [String], key: String) throws -> OpenLoopResult {
        let total = rate * seconds
        let interval = 1e9 / Double(rate)
        let log = LatencyLog(connections: senders)
        let errors = Atomic<Int>(0)
        let finished = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds + 200_000_000
        for worker in 0..<senders {
            finished.enter()
            let thread = Thread { [pathSuffix, senders] in
                let client = LoopbackHTTPClient(port: port)
                var random = SystemRandomNumberGenerator()
                var index = worker
                while index < total {
                    let scheduled = start + UInt64(Double(index) * interval)
                    let now = DispatchTime.now().uptimeNanoseconds
                    if scheduled > now { usleep(UInt32((scheduled - now) / 1_000)) }
                    let user = users[Int(random.next() % UInt64(users.count))]
                    let response = try? client.send(
                        method: "GET", path: "/v1/users/\(user)\(pathSuffix)", headers: [("Authorization", "Bearer \(key)")])
                    let done = DispatchTime.now().uptimeNanoseconds
                    if response?.status != 200 { errors.add(1, ordering: .relaxed) }
                    log.record(worker, Double(done - scheduled) / 1e6)
                    index += senders
                }
                finished.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        finished.wait()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let latencies = log.all.sorted()
        return OpenLoopResult(
            sent: latencies.count, errors: errors.load(ordering: .relaxed),
            answeredPerSecond: Double(latencies.count) / elapsed, latencies: latencies)
    }

    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }
}

/// `attune serve` in a child process on a free loopback port.
final class ChildServer {
    let process = Process()
    let port: Int
    let dataDirectory: String
    let writeKey = APIKeyFactory.generate(scope: .write)
    var pid: Int32 { process.processIdentifier }

    init(dataDirectory: String, adminKey: String, extraArguments: [String] = []) throws {
        self.dataDirectory = dataDirectory
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        // Rate limiting off: the benchmark measures serving, one key far past any per-key limit.
        process.arguments = [
            "serve", "--data-dir", dataDirectory, "--port", "0", "--log-level", "warning", "--retrain-seconds", "0",
            "--rate-limit", "0",
        ] + extraArguments
        var environment = ProcessInfo.processInfo.environment
        environment["ATTUNE_ADMIN_KEY"] = adminKey
        environment["ATTUNE_WRITE_KEY"] = writeKey
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        guard let port = BenchIngest.readPort(output.fileHandleForReading) else {
            process.terminate()
            throw ValidationError("the server did not report its port")
        }
        self.port = port
    }

    /// The user ids of the newest model (read from its snapshot, as the server does).
    func modelUsers() throws -> [String] {
        try modelVocabularies().users
    }

    /// The user and item ids of the newest model.
    func modelVocabularies() throws -> (users: [String], items: [String]) {
        let files = ModelFiles(dataDirectory: dataDirectory)
        guard let snapshot = try files.latest(in: .default) else { throw ValidationError("no model in \(dataDirectory)") }
        return (
            (0..<snapshot.users.count).compactMap { snapshot.users.key(at: Int32($0)) },
            (0..<snapshot.items.count).compactMap { snapshot.items.key(at: Int32($0)) }
        )
    }

    /// The server's resident memory in KiB (VmRSS), or nil when /proc cannot tell.
    func residentKiB() -> Int? { statusKiB("VmRSS") }

    /// A KiB figure of the server's /proc status (`VmRSS`, `VmHWM`, `RssAnon`, …).
    func statusKiB(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
        else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
