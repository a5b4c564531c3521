import AttuneCore
import AttuneEngine
@testable import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// A leader whose session the server ended keeps running until its heartbeat notices; the term
/// counter fences what it writes meanwhile: refused once the next leader has begun, and a write
/// already in flight finishes before the next term begins.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresLeaderFencingTests {
    static let options = PostgresLeaderElectionTests.options

    @Test(.timeLimit(.minutes(5)))
    func writesOfASupersededTermAreRefusedAndChangeNothing() async throws {
        try await Self.withLeaders { configuration, store, first, second in
            let models = PostgresModelStore(store: store)
            try await models.publish(version: 1, in: .default, files: Self.files(1), at: Fixtures.now)
            let old = try #require(try await first.tryAcquire())
            let stale = try #require(old.fencingToken)
            #expect(try await PostgresLeaderElectionTests.terminateLeader(configuration) == 1)
            let new = try await second.acquire(afterEachRefusal: {})
            let current = try #require(new.fencingToken)
            #expect(current.term == stale.term + 1, "each acquisition begins the next term")

            // The old leader has not noticed yet: its pooled connections still write, and are refused.
            let refused = await #expect(throws: FencedWriteRefused.self) {
                try await models.publish(version: 2, in: .default, files: Self.files(2), at: Fixtures.now, fencedBy: stale)
            }
            #expect(refused == FencedWriteRefused(term: stale, current: current.term))
            #expect(refused?.description.contains("leadership was superseded") == true, "\(refused?.description ?? "")")
            await #expect(throws: FencedWriteRefused.self) {
                try await models.pin(1, in: .default, at: Fixtures.now, fencedBy: stale)
            }
            try await models.publish(version: 3, in: .default, files: Self.files(3), at: Fixtures.now)
            await #expect(throws: FencedWriteRefused.self) {
                try await models.prune(in: .default, keepNewest: 1, fencedBy: stale)
            }
            var published = try await models.published(in: .default)
            #expect(published.revisions.keys.sorted() == [1, 3], "nothing of the refused writes was stored")
            #expect(published.pinned == nil)

            // The new leader's writes go through.
            try await models.publish(version: 4, in: .default, files: Self.files(4), at: Fixtures.now, fencedBy: current)
            try await models.pin(4, in: .default, at: Fixtures.now, fencedBy: current)
            #expect(try await models.prune(in: .default, keepNewest: 1, fencedBy: current) == [1, 3])
            published = try await models.published(in: .default)
            #expect(published.revisions.keys.sorted() == [4] && published.pinned == 4)
            await new.release()
            await old.release()
        }
    }

    /// The leader's publisher takes the token from the work of the term that calls it, and refuses
    /// a call from outside any term.
    @Test(.timeLimit(.minutes(5)))
    func theFencedPublisherWritesWithTheTokenOfTheTermItWorksFor() async throws {
        try await Self.withLeaders { configuration, store, first, second in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-fencing-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            var files = ModelFiles(dataDirectory: directory.path)
            files.indexMinimumItems = 1_000_000
            let publisher = PostgresModelPublisher(
                models: PostgresModelStore(store: store), clock: FixedClock(), fenced: true, logger: PostgresTestServer.logger)
            try files.save(try ModelSnapshot.syntheticALS(users: 20, items: 30, factors: 4, version: 1))
            try files.save(try ModelSnapshot.syntheticALS(users: 20, items: 30, factors: 4, version: 2))

            let outside = await #expect(throws: FencedWriteRefused.self) { try await publisher.publish(version: 1, in: .default, from: files) }
            #expect(outside == FencedWriteRefused(term: nil, current: nil))
            let old = try #require(try await first.tryAcquire())
            #expect(try await PostgresLeaderElectionTests.terminateLeader(configuration) == 1)
            let new = try await second.acquire(afterEachRefusal: {})
            let superseded = await #expect(throws: FencedWriteRefused.self) {
                try await LeaderTerm.$fencingToken.withValue(old.fencingToken) {
                    try await publisher.publish(version: 1, in: .default, from: files)
                }
            }
            #expect(superseded?.description.contains("superseded") == true)
            try await LeaderTerm.$fencingToken.withValue(new.fencingToken) {
                try await publisher.publish(version: 2, in: .default, from: files)
            }
            #expect(try await publisher.versions(in: .default) == [2])
            await new.release()
            await old.release()
        }
    }

    /// A fenced write that read the term before the next leader took the lock holds the term's row:
    /// the next term begins only once that write has committed, so it is ordered before the term.
    @Test(.timeLimit(.minutes(5)))
    func aNewTermWaitsForAFencedWriteInFlight() async throws {
        try await Self.withLeaders { configuration, store, first, second in
            try await Self.withAFencedWriteInFlight(configuration, leader: first) { stale, writer in
                let logger = PostgresTestServer.logger
                let acquired = Locked(false)
                let taking = Task { () throws -> PostgresLeadership in
                    let term = try await second.acquire(afterEachRefusal: {})
                    acquired.withLock { $0 = true }
                    return term
                }
                // The new leader holds the lock and waits for the row the write holds (or, were the
                // row not held, has begun its term already).
                while try await Self.waitingForTheTerm(configuration) == 0, !acquired.withLock({ $0 }) {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(!acquired.withLock { $0 }, "no new term while a write of the old one is in flight")
                try await writer.query(
                    "INSERT INTO model_versions (workspace, version, created_at) SELECT pk, 7, 0 FROM workspaces WHERE name = 'default'",
                    logger: logger)
                try await writer.query("COMMIT", logger: logger)
                let new = try await taking.value
                #expect(new.fencingToken?.term == stale.term + 1)
                #expect(try await PostgresModelStore(store: store).published(in: .default).revisions.keys.sorted() == [7])
                // Begun after it, the new term refuses the old one's next write.
                try await writer.query("BEGIN", logger: logger)
                await #expect(throws: FencedWriteRefused.self) { try await LeaderTerms.check(stale, on: writer, logger: logger) }
                try await writer.query("ROLLBACK", logger: logger)
                await new.release()
            }
        }
    }

    /// A new term that waits longer than the term timeout stops waiting on the server as well: a
    /// backend blocked on the row does not notice that its client gave up and closed the connection.
    @Test(.timeLimit(.minutes(5)))
    func aNewTermThatWaitsTooLongStopsWaitingOnTheServer() async throws {
        let options = PostgresLeaderElection.Options(
            retryInterval: .milliseconds(20), heartbeatInterval: .milliseconds(100), heartbeatTimeout: .seconds(1),
            termTimeout: .seconds(1))
        try await Self.withLeaders { configuration, _, first, second in
            let impatient = PostgresLeaderElection(configuration, options: options, logger: PostgresTestServer.logger)
            let stale = try await Self.withAFencedWriteInFlight(configuration, leader: first) { _, writer in
                let refused = await #expect(throws: AttuneError.self) { try await impatient.tryAcquire() }
                #expect(refused?.code == .storage)
                #expect(try await Self.waitingForTheTerm(configuration) == 0, "the server ended the wait")
                try await writer.query("ROLLBACK", logger: PostgresTestServer.logger)
            }
            // The patient elector: a loaded test run may take longer than a second to answer.
            let new = try #require(try await second.tryAcquire())
            #expect(new.fencingToken?.term == stale.term + 1, "the abandoned try raised nothing")
            await new.release()
        }
    }

    /// `leader` takes the lock, its term's write begins on a connection of the pool rather than
    /// the lock's session, and then the lock's session is ended from outside. `body` runs while
    /// the write holds the term's row; it gets the old term and the write's connection.
    /// - Returns: the old term.
    @discardableResult
    static func withAFencedWriteInFlight(
        _ configuration: PostgresConfiguration, leader: PostgresLeaderElection,
        _ body: (_ stale: FencingToken, _ writer: PostgresConnection) async throws -> Void
    ) async throws -> FencingToken {
        let old = try #require(try await leader.tryAcquire())
        let stale = try #require(old.fencingToken)
        try await PostgresTestServer.admin(configuration) { writer in
            try await writer.query("BEGIN", logger: PostgresTestServer.logger)
            try await LeaderTerms.check(stale, on: writer, logger: PostgresTestServer.logger)
            #expect(try await PostgresLeaderElectionTests.terminateLeader(configuration) == 1)
            try await body(stale, writer)
        }
        await old.release()
        return stale
    }

    /// Two electors and a running store on a fresh, migrated database with the default workspace.
    static func withLeaders(
        _ body: (PostgresConfiguration, PostgresStore, PostgresLeaderElection, PostgresLeaderElection) async throws -> Void
    ) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) {
                store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                let first = PostgresLeaderElection(configuration, options: Self.options, logger: PostgresTestServer.logger)
                let second = PostgresLeaderElection(configuration, options: Self.options, logger: PostgresTestServer.logger)
                try await body(configuration, store, first, second)
            }
        }
    }

    /// A published version's files: a snapshot is only bytes to the store.
    static func files(_ version: Int) -> [PublishedModelFile] {
        [PublishedModelFile(name: "v\(version).model", bytes: Array("version \(version)".utf8))]
    }

    /// How many sessions wait for a lock while raising the term.
    static func waitingForTheTerm(_ configuration: PostgresConfiguration) async throws -> Int {
        try await PostgresTestServer.admin(configuration) { connection in
            let rows = try await connection.query(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO leader_terms%'
                """, logger: PostgresTestServer.logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }
}
