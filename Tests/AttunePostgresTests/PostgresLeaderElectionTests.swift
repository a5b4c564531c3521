import AttuneCore
import AttuneEngine
import AttuneEngineTestSupport
import AttunePostgres
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresLeaderElectionTests {
    /// Fast tries and heartbeats, but generous timeouts: the suite shares Swift's few cooperative
    /// threads with CPU-heavy tests, which can keep an elector's task from running for seconds.
    /// A term that no check watches for a while (between two of its steps) must not be ended by
    /// the server's idle timeout then, nor a slow answer be taken for a lost lock; the checks
    /// that end a term do it from outside, which is noticed at once.
    static let options = PostgresLeaderElection.Options(
        retryInterval: .milliseconds(20), heartbeatInterval: .milliseconds(100), heartbeatTimeout: .seconds(20),
        idleSessionTimeout: .seconds(60))

    /// The election checks shared with the file lock; each in a database of its own (advisory
    /// locks are per database, so parallel tests do not meet).
    @Test(.timeLimit(.minutes(5)), arguments: LeaderElectionConformance.names)
    func conforms(_ check: String) async throws {
        try await PostgresTestServer.withMigratedDatabase { configuration in
            let subject = LeaderElectionSubject(
                makeElector: { PostgresLeaderElection(configuration, options: Self.options, logger: PostgresTestServer.logger) },
                tryAcquire: { election in try await (election as? PostgresLeaderElection)?.tryAcquire() },
                breakTerm: { try await Self.terminateLeader(configuration) },
                retryInterval: Self.options.retryInterval)
            try await LeaderElectionConformance.run(check, on: subject)
        }
    }

    /// A leader whose process dies: its session ends, the server frees the lock, and a process
    /// that waits takes over at its next try.
    @Test(.timeLimit(.minutes(5)))
    func aClosedLeaderConnectionHandsLeadershipToTheWaiter() async throws {
        try await PostgresTestServer.withMigratedDatabase { configuration in
            let leader = PostgresLeaderElection(configuration, options: Self.options, logger: PostgresTestServer.logger)
            let standby = PostgresLeaderElection(configuration, options: Self.options, logger: PostgresTestServer.logger)
            let term = try #require(try await leader.tryAcquire())
            let refusals = Locked(0)
            let waiting = Task { try await standby.acquire(afterEachRefusal: { refusals.withLock { $0 += 1 } }) }
            while refusals.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(5)) }
            // Terminated from outside, as a server restart or an operator would: the backend, and
            // with it the session lock, is gone.
            #expect(try await Self.terminateLeader(configuration) == 1)
            try await term.lost()
            let next = try await waiting.value
            #expect(try await leader.tryAcquire() == nil)
            await next.release()
            await term.release()
        }
    }

    @Test func anUnreachableServerIsAClearStorageError() async throws {
        var configuration = try PostgresTestServer.configuration()
        configuration.port = 1
        let election = PostgresLeaderElection(configuration, options: Self.options, logger: PostgresTestServer.logger)
        let error = try await #require(throws: AttuneError.self) { try await election.tryAcquire() }
        #expect(error.code == .storage)
        #expect(error.message.contains("127.0.0.1:1") || error.message.contains(":1/"), "\(error.message)")
        #expect(!error.message.contains(configuration.password ?? "no password"), "no password in errors")
        await #expect(throws: AttuneError.self) { try await election.acquire() }
    }

    /// `LeaderOnlyServices` on the advisory lock: its jobs stop when the leader's backend is
    /// terminated and run again once it leads again.
    @Test(.timeLimit(.minutes(5)))
    func leaderOnlyServicesStopAndRestartTheirJobsAcrossATerminatedSession() async throws {
        try await PostgresTestServer.withMigratedDatabase { configuration in
            let election = PostgresLeaderElection(configuration, options: Self.options, logger: PostgresTestServer.logger)
            let (events, recorder) = AsyncStream.makeStream(of: String.self)
            let gate = LeaderOnlyServices(
                election: election, jobs: [ReportingJob(events: recorder)], logger: PostgresTestServer.logger,
                retryAfterFailure: .milliseconds(20))
            let runner = Task { try await gate.run() }
            var seen = events.makeAsyncIterator()
            #expect(await seen.next() == "started")
            #expect(try await Self.terminateLeader(configuration) == 1)
            #expect(await seen.next() == "cancelled", "the session ended: the jobs stop")
            #expect(await seen.next() == "started", "the lock is free again: the jobs run in a new term")
            runner.cancel()
            _ = try? await runner.value
            let other = PostgresLeaderElection(configuration, options: Self.options, logger: PostgresTestServer.logger)
            let after = try await other.acquire()
            await after.release()
        }
    }

    /// Terminates the backend holding the leader lock, from an administrator's connection.
    /// - Returns: how many backends were terminated.
    @discardableResult
    static func terminateLeader(_ configuration: PostgresConfiguration) async throws -> Int {
        try await PostgresTestServer.admin(configuration) { connection in
            let rows = try await connection.query(
                """
                SELECT count(pg_terminate_backend(pid)) FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND objid = 2
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """, logger: PostgresTestServer.logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }
}

/// Reports when it starts and whether it was cancelled.
private struct ReportingJob: Service {
    let events: AsyncStream<String>.Continuation

    func run() async throws {
        events.yield("started")
        do {
            while true { try await Task.sleep(for: .seconds(60)) }
        } catch {
            events.yield("cancelled")
            throw error
        }
    }
}
