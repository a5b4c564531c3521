import ArgumentParser
import AttuneCore
import AttuneEngine
import Dispatch
import Foundation

struct BenchSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Mixed traffic against `attune serve` for --minutes, reported minute by minute.",
        discussion: """
            Serves --data-dir (prepared like `bench serve`) from a child `attune serve` and sends, open \
            loop at --rate requests/s over loopback: 80% GET /v1/users/{id}/recommendations, 15% POST \
            /v1/events batches of --batch events (which also update profiles), 5% GET /v1/users/{id}. Each \
            minute it prints requests answered, errors, latency percentiles (from each request's scheduled \
            send time) and the server's resident memory. At the end it checks: no errors, memory after \
            the first --warm-up minutes grows by at most 10%, and every later minute's p99 is within 2x of \
            their median; the exit status is 1 when a check fails.
            """)

    @Option(help: "Data directory with a trained model (made from --interactions when it has none).")
    var dataDir = "data/bench-serve"
    @Option(help: "user_id,item_id,timestamp file to prepare --data-dir from.")
    var interactions = "data/synthetic/synthetic-5m.csv"
    @Option(help: "Model family to train when preparing.") var model = "als"
    @Option(help: "Minutes to run.") var minutes = 10
    @Option(help: "Minutes excluded from the memory and p99 checks.") var warmUp = 2
    @Option(help: "Offered load, requests/s.") var rate = 400
    @Option(help: "Sending threads, each with one keep-alive connection.") var senders = 32
    @Option(help: "Events per POST /v1/events batch.") var batch = 10

    func validate() throws {
        guard (1...1_440).contains(minutes) else { throw ValidationError("--minutes must be from 1 to 1440") }
        guard (0..<minutes).contains(warmUp) else { throw ValidationError("--warm-up must be from 0 to --minutes - 1") }
        guard (1...50_000).contains(rate) else { throw ValidationError("--rate must be from 1 to 50000") }
        guard (1...512).contains(senders) else { throw ValidationError("--senders must be from 1 to 512") }
        guard (1...1_000).contains(batch) else { throw ValidationError("--batch must be from 1 to 1000") }
    }

    enum Kind: Int, CaseIterable {
        case recommendations, events, profile
        var name: String { ["recommendations", "events", "profile"][rawValue] }

        /// 80 / 15 / 5, interleaved so every second carries the mix.
        static func of(_ index: Int) -> Kind {
            switch index % 20 {
            case 0, 1, 2: .events
            case 3: .profile
            default: .recommendations
            }
        }
    }

    /// Latencies and errors per minute and kind, shared by the senders.
    final class Minutes: Sendable {
        struct Bucket {
            var latencies: [[Double]] = Array(repeating: [], count: Kind.allCases.count)
            var errors = 0
        }

        let buckets: Locked<[Bucket]>

        init(_ count: Int) { buckets = Locked(Array(repeating: Bucket(), count: count)) }

        func record(minute: Int, kind: Kind, milliseconds: Double, ok: Bool) {
            buckets.withLock { all in
                guard all.indices.contains(minute) else { return }
                all[minute].latencies[kind.rawValue].append(milliseconds)
                if !ok { all[minute].errors += 1 }
            }
        }

        func take(_ minute: Int) -> Bucket { buckets.withLock { $0[minute] } }
    }

    struct Row {
        var minute: Int
        var answered: Int
        var errors: Int
        var p50: Double
        var p99: Double
        var p999: Double
        var recommendationsP99: Double
        var residentMiB: Double
    }

    func run() async throws {
        try BenchServe.prepare(dataDir: dataDir, interactions: interactions, model: model)
        let key = APIKeyFactory.generate(scope: .admin)
        let server = try ChildServer(dataDirectory: dataDir, adminKey: key)
        defer { server.stop() }
        let (users, items) = try server.modelVocabularies()
        guard !users.isEmpty, !items.isEmpty else { throw ValidationError("the model in \(dataDir) has no users or items") }
        try waitForModel(port: server.port, user: users[0], key: key)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(BenchServe.loadAverage()); "
            + "model: \(users.count) users, \(items.count) items; server pid \(server.pid)")
        print("offered load \(rate) requests/s (80% recommendations, 15% event batches of \(batch), 5% profiles), \(senders) senders")
        print("minute  answered/s  errors   p50 ms   p99 ms  p99.9 ms  recs p99 ms  server RSS MiB")

        let log = Minutes(minutes)
        let total = rate * minutes * 60
        let interval = 1e9 / Double(rate)
        let start = DispatchTime.now().uptimeNanoseconds + 200_000_000
        let finished = DispatchGroup()
        for worker in 0..<senders {
            finished.enter()
            let thread = Thread { [senders, batch, writeKey = server.writeKey, port = server.port] in
                let client = LoopbackHTTPClient(port: port)
                var random = SystemRandomNumberGenerator()
                var index = worker
                while index < total {
                    let scheduled = start + UInt64(Double(index) * interval)
                    let now = DispatchTime.now().uptimeNanoseconds
                    if scheduled > now { usleep(UInt32((scheduled - now) / 1_000)) }
                    let kind = Kind.of(index)
                    let user = users[Int(random.next() % UInt64(users.count))]
                    let path = user.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? user
                    let response: LoopbackHTTPClient.Response?
                    switch kind {
                    case .recommendations:
                        response = try? client.send(
                            method: "GET", path: "/v1/users/\(path)/recommendations?count=10", headers: [("Authorization", "Bearer \(key)")])
                    case .profile:
                        response = try? client.send(method: "GET", path: "/v1/users/\(path)", headers: [("Authorization", "Bearer \(key)")])
                    case .events:
                        var events: [String] = []
                        for _ in 0..<batch {
                            let u = users[Int(random.next() % UInt64(users.count))]
                            let item = items[Int(random.next() % UInt64(items.count))]
                            events.append(#"{"type": "view", "userId": \#(Self.quoted(u)), "itemId": \#(Self.quoted(item))}"#)
                        }
                        response = try? client.send(
                            method: "POST", path: "/v1/events",
                            headers: [("Authorization", "Bearer \(writeKey)"), ("Content-Type", "application/json")],
                            body: Array(#"{"batch": [\#(events.joined(separator: ","))]}"#.utf8))
                    }
                    let done = DispatchTime.now().uptimeNanoseconds
                    let minute = Int((scheduled - start) / 60_000_000_000)
                    let ok = response?.status == 200 || (kind == .profile && response?.status == 404)
                    log.record(minute: minute, kind: kind, milliseconds: Double(done - scheduled) / 1e6, ok: ok)
                    index += senders
                }
                finished.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }

        var rows: [Row] = []
        for minute in 0..<minutes {
            let end = start + UInt64(minute + 1) * 60_000_000_000
            let now = DispatchTime.now().uptimeNanoseconds
            // Read a minute two seconds after it ends, when its late answers are in.
            if end + 2_000_000_000 > now { usleep(UInt32(min(UInt64(UInt32.max), (end + 2_000_000_000 - now) / 1_000))) }
            let bucket = log.take(minute)
            let all = bucket.latencies.flatMap { $0 }.sorted()
            let recs = bucket.latencies[Kind.recommendations.rawValue].sorted()
            let row = Row(
                minute: minute + 1, answered: all.count, errors: bucket.errors, p50: Self.percentile(all, 0.5),
                p99: Self.percentile(all, 0.99), p999: Self.percentile(all, 0.999), recommendationsP99: Self.percentile(recs, 0.99),
                residentMiB: Double(server.residentKiB() ?? 0) / 1024)
            rows.append(row)
            print(String(format: "%6d  %10.1f  %6d  %7.2f  %7.2f  %8.2f  %11.2f  %14.1f", row.minute, Double(row.answered) / 60,
                         row.errors, row.p50, row.p99, row.p999, row.recommendationsP99, row.residentMiB))
        }
        finished.wait()

        let steady = Array(rows.dropFirst(warmUp))
        let errors = rows.reduce(0) { $0 + $1.errors }
        let baseline = steady.first?.residentMiB ?? 0
        let peak = steady.map(\.residentMiB).max() ?? 0
        let growth = baseline > 0 ? (peak - baseline) / baseline : 0
        let p99s = steady.map(\.p99).sorted()
        let medianP99 = p99s.isEmpty ? 0 : p99s[p99s.count / 2]
        let worstP99 = p99s.last ?? 0
        let checks = [
            ("no errors", errors == 0, "\(errors) errors"),
            ("memory growth after warm-up <= 10%", growth <= 0.10,
             String(format: "%.1f MiB -> peak %.1f MiB (%+.1f%%)", baseline, peak, growth * 100)),
            ("p99 stable (every minute within 2x the median)", worstP99 <= 2 * medianP99,
             String(format: "median %.2f ms, worst %.2f ms", medianP99, worstP99)),
        ]
        for (name, passed, detail) in checks { print("\(passed ? "pass" : "FAIL"): \(name): \(detail)") }
        if checks.contains(where: { !$0.1 }) { throw ExitCode(1) }
    }

    func waitForModel(port: Int, user: String, key: String) throws {
        let began = DispatchTime.now().uptimeNanoseconds
        while true {
            let probe = try LoopbackHTTPClient(port: port).send(
                method: "GET", path: "/v1/users/\(user)/recommendations?count=1", headers: [("Authorization", "Bearer \(key)")])
            if !probe.text.contains("\"modelVersion\":null") { return }
            guard DispatchTime.now().uptimeNanoseconds - began < 600_000_000_000 else {
                throw ValidationError("the server did not load its model within 10 minutes")
            }
            usleep(200_000)
        }
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))]
    }

    static func quoted(_ text: String) -> String {
        var out = ""
        JSONValue.writeString(text, into: &out)
        return out
    }
}
