import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// `attune serve --retention-days N` purges the event log while it runs: events past the limit are
/// gone without any command, a recent one stays, and the purge is audited as the scheduler's.
struct RetentionServeTests {
    @Test func theServerPurgesEventsPastTheLimit() async throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: data + "/attune.sqlite")
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let day: Int64 = 86_400_000
        var recent = Fixtures.event(3, user: "u2")
        recent.timestamp = Timestamp(millisecondsSinceEpoch: now - day)
        var old = Fixtures.event(1, user: "u1")
        old.timestamp = Timestamp(millisecondsSinceEpoch: now - 40 * day)
        var older = Fixtures.event(2, user: "u1")
        older.timestamp = Timestamp(millisecondsSinceEpoch: now - 400 * day)
        _ = try await store.append([EventBatch(workspace: .default, events: [old, older, recent])])
        #expect(try await store.stats(of: .default).events == 3)

        let admin = "retention-admin-key-0123456789"
        let (server, port) = try AttuneProcess.startServer(
            dataDirectory: data, adminKey: admin, writeKey: "retention-write-key-0123456789",
            extraArguments: ["--retention-days", "30"])
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let client = BlockingClient(port: port)
        var events: JSONValue?
        // The purge runs when the server starts, in the background: poll for it.
        for _ in 0..<400 {
            events = try client.get(path: "/v1/stats", key: admin).map { try JSONParser().parse($0) }?["events"]
            if events == .number(1) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(events == .number(1), "only the recent event is left")
        let (status, audit, _) = try AttuneProcess.run(["audit", "show", "--data-dir", data, "--last", "20"])
        #expect(status == 0)
        #expect(audit.split(separator: "\n").contains { $0.contains("\tretention\tevents.purge\t") && $0.contains("events=2 ") },
                "\(audit)")
    }
}
