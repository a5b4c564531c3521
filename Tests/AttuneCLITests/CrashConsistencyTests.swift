import AttuneCore
import AttuneTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Twenty SIGKILLs of `attune serve` at random moments while events stream in, visitors are
/// linked to users (which refolds their profiles) and a newly trained model is being swapped in;
/// afterwards every acknowledged event is stored exactly once and every profile equals a rebuild
/// from the event log.
struct CrashConsistencyTests {
    static let admin = "crash2-admin-key-0123456789"
    static let write = "crash2-write-key-0123456789"

    @Test func twentyKillsLoseNoEventAndLeaveProfilesEqualToARebuild() async throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        // A first model, so that each retraining below is a swap while serving.
        var csv = "user_id,item_id,timestamp\n"
        for u in 0..<12 { for i in 0..<6 { csv += "seed\(u),item\((u * 5 + i) % 17),\(1_700_000_000 + u * 10 + i)\n" } }
        let seedFile = directory.appendingPathComponent("seed.csv").path
        try csv.write(toFile: seedFile, atomically: true, encoding: .utf8)
        #expect(try AttuneProcess.run(["import", "events", "--data-dir", data, seedFile]).0 == 0)
        #expect(try AttuneProcess.run(["train", "--data-dir", data, "--model", "popular", "--quick"]).0 == 0)

        let acknowledged = Locked<Set<String>>([])
        var random = SystemRandomNumberGenerator()
        var delays: [Int] = []
        for round in 0..<20 {
            let (server, port) = try AttuneProcess.startServer(
                dataDirectory: data, adminKey: Self.admin, writeKey: Self.write,
                extraArguments: ["--model-poll-seconds", "0.2", "--retrain-seconds", "0", "--profile-audit-minutes", "0"])
            let stop = Atomic<Bool>(false)
            let senders = (0..<3).map { worker in
                Thread.detachNewThreadWithResult {
                    let client = BlockingClient(port: port)
                    var batch = 0
                    while !stop.load(ordering: .relaxed) {
                        if worker == 2 {
                            // A visitor browses anonymously, then signs in: the link refolds u2's profile.
                            let visitor = "v\(round)-\(batch)"
                            let body = "{\"batch\":[" + (0..<3).map { k in
                                "{\"type\":\"view\",\"anonymousId\":\"\(visitor)\",\"itemId\":\"item\(k)\"}"
                            }.joined(separator: ",") + "]}"
                            guard client.post(path: "/v1/events", key: Self.write, body: body) != nil,
                                client.post(path: "/v1/identify", key: Self.write,
                                            body: "{\"anonymousId\":\"\(visitor)\",\"userId\":\"u2\",\"traits\":{\"round\":\(round)}}") != nil
                            else { break }
                        } else {
                            let ids = (0..<10).map { _ in UUID().uuidString.lowercased() }
                            let body = "{\"batch\":[" + ids.enumerated().map { k, id in
                                let type = k % 5 == 0 ? "purchase" : "view"
                                return "{\"id\":\"\(id)\",\"type\":\"\(type)\",\"userId\":\"u\(worker)\",\"itemId\":\"item\(batch % 17)\",\"value\":\(k)}"
                            }.joined(separator: ",") + "]}"
                            guard let status = client.post(path: "/v1/events", key: Self.write, body: body) else { break }
                            if status == 200 { acknowledged.withLock { $0.formUnion(ids) } }
                        }
                        batch += 1
                    }
                    return batch
                }
            }
            // Every fourth round trains a new model while the server runs: it promotes it mid-round.
            var trainer: Process?
            if round % 4 == 1 {
                let process = Process()
                process.executableURL = AttuneProcess.executable
                process.arguments = ["train", "--data-dir", data, "--model", "popular", "--quick"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                trainer = process
            }
            let delay = Int.random(in: 100...700, using: &random)
            delays.append(delay)
            usleep(useconds_t(delay * 1_000))
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            stop.store(true, ordering: .relaxed)
            for sender in senders { _ = sender.wait() }
            trainer?.waitUntilExit()
        }

        let ids = acknowledged.withLock { $0 }
        #expect(ids.count > 0)
        let models = try FileManager.default.contentsOfDirectory(atPath: data + "/models/default").filter { $0.hasSuffix(".model") }
        #expect(models.count == 6, "the first model and five retrainings: \(models)")
        let (server, port) = try AttuneProcess.startServer(dataDirectory: data, adminKey: Self.admin, writeKey: Self.write)
        let stored = try BlockingClient(port: port).storedEventIDList(users: ["u0", "u1"], key: Self.admin)
        server.terminate()
        server.waitUntilExit()
        let lost = ids.subtracting(stored)
        #expect(lost.isEmpty, "\(lost.count) acknowledged events lost (kills after \(delays) ms)")
        #expect(stored.count == Set(stored).count, "an event was stored twice (kills after \(delays) ms)")
        let (status, out, err) = try AttuneProcess.run(["profiles", "rebuild", "--check", "--data-dir", data])
        #expect(status == 0, "profiles differ from a rebuild after the kills (\(delays) ms): \(out) \(err)")
        #expect(out.contains(" 0 differ"), "\(out)")
    }
}
