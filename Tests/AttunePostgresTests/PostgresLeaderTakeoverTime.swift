import AttuneCore
import AttuneEngine
import AttunePostgres
import Foundation
import Testing

/// Not a check: prints how long a waiting elector takes to lead after the leader's backend is
/// terminated (what a killed leader process amounts to for the server), with the default options
/// (a try every second), when `ATTUNE_POSTGRES_BENCH` is set (and a server is configured).
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured && ProcessInfo.processInfo.environment["ATTUNE_POSTGRES_BENCH"] != nil))
struct PostgresLeaderTakeoverTime {
    @Test func takeoverAfterTheLeaderSessionEnds() async throws {
        try await PostgresTestServer.withMigratedDatabase { configuration in
            let logger = PostgresTestServer.logger
            var takeovers: [Double] = []
            var lostNoticed: [Double] = []
            for _ in 0..<5 {
                let leader = PostgresLeaderElection(configuration, logger: logger)
                let standby = PostgresLeaderElection(configuration, logger: logger)
                let term = try await leader.acquire()
                let waiting = Task { try await standby.acquire() }
                try await Task.sleep(for: .milliseconds(300))
                let clock = ContinuousClock()
                let started = clock.now
                #expect(try await PostgresLeaderElectionTests.terminateLeader(configuration) == 1)
                try await term.lost()
                let lost = clock.now
                let next = try await waiting.value
                let led = clock.now
                await term.release()
                await next.release()
                func seconds(_ duration: Duration) -> Double {
                    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                }
                lostNoticed.append(seconds(lost - started))
                takeovers.append(seconds(led - started))
            }
            let shown = { (values: [Double]) in values.map { String(format: "%.3f", $0) }.joined(separator: ", ") }
            print("postgres leader takeover: lost() returned after [\(shown(lostNoticed))] s; the standby led after [\(shown(takeovers))] s")
        }
    }
}
