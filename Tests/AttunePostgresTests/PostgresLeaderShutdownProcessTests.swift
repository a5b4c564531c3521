import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// A leading worker on PostgreSQL asked to stop in the middle of a long retraining: it keeps its
/// lock watched (a session without heartbeats is ended by the server after its idle timeout, and
/// the standby would lead while it still trained), stops the training, publishes nothing, lets go
/// and exits; only then does the standby lead.
struct PostgresLeaderShutdownProcessTests {
    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage), .timeLimit(.minutes(5)))
    func aLeaderStoppedMidTrainingPublishesNothingAndHandsOverOnlyOnceStopped() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let directory = FileManagerTemp.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keys = try PostgresProcessTests.generatedKeys()
            try await PostgresStore.withStore(database, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                for start in stride(from: 0, to: 1_500, by: 100) {
                    var events: [Event] = []
                    for u in start..<(start + 100) {
                        for i in 0..<20 {
                            let item: Int = (u % 2) * 200 + (i * 37 + u * 11) % 200
                            events.append(Fixtures.event(UInt64(u * 20 + i), user: "u\(u)", item: "item-\(item)", at: Int64(u * 100 + i)))
                        }
                    }
                    _ = try await store.append([EventBatch(workspace: .default, events: events)])
                }
            }
            // Every second from the first event, the default hybrid with a long tuning budget:
            // minutes of work on these events in a debug build.
            let arguments = [
                "--store", PostgresProcessTests.url(database), "--log-level", "debug", "--retrain-seconds", "1",
                "--retrain-min-events", "1", "--retrain-model", "hybrid", "--retrain-time-budget", "600",
                "--segment-train-hours", "0",
            ]
            func start(_ name: String) throws -> RunningAttune {
                try RunningAttune(
                    ["worker", "--data-dir", directory.appendingPathComponent(name).path] + arguments, in: directory, name: name,
                    environment: keys)
            }
            let first = try start("worker-1")
            defer { first.kill9() }
            #expect(try await first.waitForLog("leadership acquired"), "\(first.log)")
            let second = try start("worker-2")
            defer { second.kill9() }
            #expect(try await second.waitForLog("waiting for leadership"), "\(second.log)")
            #expect(try await first.waitForLog("retraining started"), "\(first.log)")
            // Well into the training. Were the lock's session left unwatched from the SIGTERM on,
            // the server would end it after its idle timeout (10 s) and the standby would lead
            // while this one still trained: the hand-over below reports that as overlapping.
            try await Task.sleep(for: .seconds(5))
            #expect(!first.log.contains("retraining finished"), "still training when asked to stop: \(first.log)")

            first.process.terminate()
            #expect(try await second.handOver(from: first) == .afterThePreviousStopped, "\(first.log)\n\(second.log)")
            #expect(first.stop() == 0, "exits within the deadline: \(first.log)")
            #expect(first.log.contains("retraining stopped"), "\(first.log)")
            #expect(first.log.contains("leadership released"), "\(first.log)")
            #expect(!first.log.contains("retraining finished"), "\(first.log)")
            #expect(try await Self.publishedVersions(database).isEmpty, "the stopped training published nothing")

            #expect(try await second.waitForLog("retraining started"), "\(second.log)")
            #expect(second.stop() == 0, "\(second.log)")
            #expect(second.log.contains("leadership released"), "\(second.log)")
            #expect(try await Self.publishedVersions(database).isEmpty)
        }
    }

    static func publishedVersions(_ database: PostgresConfiguration) async throws -> [Int] {
        try await PostgresStore.withStore(database, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { store in
            try await PostgresModelStore(store: store).published(in: .default).revisions.keys.sorted()
        }
    }
}
