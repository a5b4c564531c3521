import AttuneCore
import AttuneTestSupport
import Foundation
import Testing

/// `attune serve --consent-default opt-in` end to end: the policy is stored and audited, events
/// of undecided people are counted (stats and the Prometheus counter) and not stored, and a
/// later start without the flag keeps the stored policy.
struct ConsentServeTests {
    @Test func optInServerWithholdsEventsAndCountsThem() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let admin = "consent-admin-key-0123456789"
        let write = "consent-write-key-0123456789"
        let (server, port) = try AttuneProcess.startServer(
            dataDirectory: data, adminKey: admin, writeKey: write, extraArguments: ["--consent-default", "opt-in"])
        let client = BlockingClient(port: port)
        #expect(client.post(path: "/v1/events", key: write, body: #"{"batch": [{"type": "view", "userId": "v1"}, {"type": "view", "userId": "v2"}]}"#) == 200)
        let stats = try JSONParser().parse(try #require(client.get(path: "/v1/stats", key: admin)))
        #expect(stats["withheldEvents"] == .number(2))
        #expect(stats["events"] == .number(0))
        let metrics = try #require(client.get(path: "/metrics", key: admin))
        #expect(metrics.contains("attune_events_withheld_total 2"), "\(metrics.prefix(2_000))")
        server.terminate()
        server.waitUntilExit()

        let (again, newPort) = try AttuneProcess.startServer(dataDirectory: data, adminKey: admin, writeKey: write)
        defer {
            again.terminate()
            again.waitUntilExit()
        }
        let consent = try JSONParser().parse(try #require(BlockingClient(port: newPort).get(path: "/v1/users/v1/consent", key: admin)))
        #expect(consent["policy"] == .string("opt-in"), "a start without the flag keeps the stored policy")
        let (status, audit, _) = try AttuneProcess.run(["audit", "show", "--data-dir", data, "--last", "20"])
        #expect(status == 0)
        #expect(audit.contains("consent.default"))
    }
}
