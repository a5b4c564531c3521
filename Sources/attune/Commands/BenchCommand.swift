import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import Dispatch
import Foundation
import Synchronization

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the running system.",
        subcommands: [
            BenchIngest.self, BenchALS.self, BenchBPR.self, BenchANN.self, BenchServe.self, BenchMemory.self, BenchSoak.self,
            BenchSegments.self, BenchModelLoad.self, BenchRecommend.self, BenchScan.self,
            BenchText.self,
        ])
}

struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Events per second through HTTP (a server in a child process) and straight into the store.",
        discussion: """
            HTTP: starts `attune serve` on a free loopback port in a temporary data directory and sends \
            batches from several keep-alive connections in this process; every request waits for the \
            durable commit. Store: appends events in transactions of --store-chunk rows.
            """)

    @Option(help: "Events to send over HTTP.") var httpEvents = 200_000
    @Option(help: "Events per HTTP request.") var batch = 100
    @Option(help: "Concurrent HTTP connections.") var connections = 8
    @Option(help: "Events to append straight into the store.") var storeEvents = 1_000_000
    @Option(help: "Rows per store transaction.") var storeChunk = 10_000
    @Option(help: "full (fsync each commit) or normal.") var durability = "full"
    @Flag(inversion: .prefixedNo, help: "Update user profiles as events are stored (the default, as in the server), over HTTP and straight into the store.")
    var profiles = true
    @Option(
        help: "Consent decisions recorded before the store run, for that many of the 50,000 synthetic users: each declines marketing only, so every event is checked and none is held back (the cost of the checks).")
    var consentDecisions = 0
    @Flag(help: "The decisions withdraw instead: every other one analytics (events withheld), the rest personalization (no profile).")
    var consentWithdrawn = false

    func validate() throws {
        guard httpEvents >= 0, storeEvents >= 0 else { throw ValidationError("event counts must not be negative") }
        guard (1...1_000).contains(batch) else { throw ValidationError("--batch must be from 1 to 1000") }
        guard (1...256).contains(connections) else { throw ValidationError("--connections must be from 1 to 256") }
        guard (1...1_000_000).contains(storeChunk) else { throw ValidationError("--store-chunk must be from 1 to 1000000") }
        guard (0...50_000).contains(consentDecisions) else { throw ValidationError("--consent-decisions must be from 0 to 50000") }
        guard SQLiteStore.Durability(rawValue: durability) != nil else { throw ValidationError("--durability must be full or normal") }
    }

    func run() async throws {
        let mode = SQLiteStore.Durability(rawValue: durability)!
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; durability: \(mode.rawValue)")
        if httpEvents > 0 {
            let result = try runHTTP()
            print(String(format: "http   %9d events  %7.2f s  %10.0f events/s  %6.0f requests/s  p50 %.2f ms  p99 %.2f ms  stored %d  profiles %@  server CPU %.1f µs/event",
                         result.events, result.seconds, Double(result.events) / result.seconds,
                         Double(result.latencies.count) / result.seconds,
                         result.percentile(0.50), result.percentile(0.99), result.stored, profiles ? "on" : "off",
                         1e6 * result.serverCPU / Double(max(result.events, 1))))
        }
        if storeEvents > 0 {
            let (rows, withheld, seconds) = try await runStore(mode)
            print(String(format: "store  %9d rows    %7.2f s  %10.0f rows/s (transactions of %d rows, profiles %@, %d consent decisions, %d withheld)",
                         rows + withheld, seconds, Double(rows + withheld) / seconds, storeChunk, profiles ? "on" : "off",
                         consentDecisions, withheld))
        }
    }

    struct HTTPResult {
        var events: Int
        var seconds: Double
        var latencies: [Double]
        var stored: Int
        /// CPU seconds the server used while the events were sent.
        var serverCPU: Double

        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
    }

    static func syntheticEvents(count: Int, seed: UInt64, now: Timestamp) -> [Event] {
        var rng = SeededGenerator(seed: seed)
        let types: [EventType] = [.view, .view, .view, .click, .addToCart, .purchase]
        return (0..<count).map { i in
            Event(
                id: EventID.random(using: &rng), type: types[Int(rng.next() % 6)],
                userID: UserID(unchecked: "u\(rng.next() % 50_000)"), sessionID: SessionID(unchecked: "s\(i / 20)"),
                itemID: ItemID(unchecked: "i\(rng.next() % 20_000)"), value: nil,
                properties: #"{"source":"bench"}"#, context: nil,
                timestamp: now.adding(milliseconds: -Int64(count - i)), receivedAt: now)
        }
    }

    func runHTTP() throws -> HTTPResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let adminKey = APIKeyFactory.generate(scope: .admin)
        let writeKey = APIKeyFactory.generate(scope: .write)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        // Rate limiting off: the benchmark drives one key far past any per-key limit.
        server.arguments = [
            "serve", "--data-dir", directory, "--port", "0", "--durability", durability, "--log-level", "warning",
            "--rate-limit", "0", profiles ? "--profiles" : "--no-profiles",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["ATTUNE_ADMIN_KEY"] = adminKey
        environment["ATTUNE_WRITE_KEY"] = writeKey
        server.environment = environment
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        guard let port = Self.readPort(output.fileHandleForReading) else {
            throw ValidationError("the server did not report its port")
        }

        let now = SystemClock().now()
        let events = Self.syntheticEvents(count: httpEvents, seed: 7, now: now)
        let bodies: [[UInt8]] = stride(from: 0, to: events.count, by: batch).map { start in
            let slice = events[start..<min(start + batch, events.count)]
            let items = slice.map { e in
                #"{"id":"\#(e.id.uuidString)","type":"\#(e.type.rawValue)","userId":"\#(e.userID!.rawValue)","sessionId":"\#(e.sessionID!.rawValue)","itemId":"\#(e.itemID!.rawValue)","properties":{"source":"bench"},"timestamp":\#(e.timestamp.millisecondsSinceEpoch)}"#
            }
            return Array(("{\"batch\":[" + items.joined(separator: ",") + "]}").utf8)
        }
        let latencies = LatencyLog(connections: connections)
        let failures = Atomic<Int>(0)
        let cpuBefore = CPUTime.of(server.processIdentifier)
        let started = DispatchTime.now()
        // One OS thread per connection: a dispatch pool would cap concurrency at the core count.
        let finished = DispatchGroup()
        for worker in 0..<connections {
            finished.enter()
            let thread = Thread {
                let client = LoopbackHTTPClient(port: port)
                var index = worker
                while index < bodies.count {
                    let t0 = DispatchTime.now()
                    let response = try? client.send(
                        method: "POST", path: "/v1/events",
                        headers: [("Authorization", "Bearer \(writeKey)"), ("Content-Type", "application/json")],
                        body: bodies[index])
                    let t1 = DispatchTime.now()
                    if response?.status != 200 { failures.add(1, ordering: .relaxed) }
                    latencies.record(worker, Double(t1.uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
                    index += connections
                }
                finished.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        finished.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let serverCPU = CPUTime.of(server.processIdentifier) - cpuBefore
        let statsResponse = try LoopbackHTTPClient(port: port).send(
            method: "GET", path: "/v1/stats", headers: [("Authorization", "Bearer \(adminKey)")])
        let stored = (try? JSONParser().parse(statsResponse.text))?["events"].flatMap {
            if case .number(let n) = $0 { return Int(n) } else { return nil }
        } ?? -1
        let failed = failures.load(ordering: .relaxed)
        if failed > 0 { print("warning: \(failed) requests failed") }
        return HTTPResult(events: events.count, seconds: seconds, latencies: latencies.all, stored: stored, serverCPU: serverCPU)
    }

    static func readPort(_ handle: FileHandle) -> Int? {
        var text = ""
        while !text.contains("\n") {
            let data = handle.availableData
            if data.isEmpty { return nil }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: "http://127.0.0.1:") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// - Returns: events stored, events withheld (no analytics consent), seconds.
    func runStore(_ mode: SQLiteStore.Durability) async throws -> (Int, Int, Double) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DataDirectory.openStore(directory, durability: mode, profiles: profiles)
        try await store.ensureWorkspace(.default, at: SystemClock().now())
        let decisions = (0..<consentDecisions).map { n in
            (user: UserID(unchecked: "u\(n)"),
             update: ConsentUpdate(
                choices: !consentWithdrawn
                    ? ConsentChoices(marketing: false)
                    : n % 2 == 0 ? ConsentChoices(analytics: false) : ConsentChoices(personalization: false)))
        }
        for start in stride(from: 0, to: decisions.count, by: 5_000) {
            _ = try await store.recordConsent(
                Array(decisions[start..<min(start + 5_000, decisions.count)]), in: .default, at: SystemClock().now())
        }
        let events = Self.syntheticEvents(count: storeEvents, seed: 11, now: SystemClock().now())
        let started = ContinuousClock.now
        var stored = 0
        var withheld = 0
        var offset = 0
        while offset < events.count {
            let chunk = Array(events[offset..<min(offset + storeChunk, events.count)])
            let result = try await store.append([EventBatch(workspace: .default, events: chunk)])[0]
            stored += result.inserted
            withheld += result.withheld
            offset += chunk.count
        }
        return (stored, withheld, DemoCommand.seconds(ContinuousClock.now - started))
    }
}

/// Per-worker latency lists, merged at the end (no lock on the hot path).
final class LatencyLog: @unchecked Sendable {
    // Each worker writes only its own slot; `all` is read after the workers have joined.
    private var slots: [[Double]]

    init(connections: Int) {
        slots = Array(repeating: [], count: connections)
    }

    func record(_ worker: Int, _ value: Double) {
        slots[worker].append(value)
    }

    var all: [Double] { slots.flatMap { $0 } }
}
