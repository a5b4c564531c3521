import AttuneCore
@testable import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// The server's own limits on every pooled connection: a statement that runs too long is ended
/// by the server, so that work abandoned at the client's deadline does not run on holding a
/// connection, its locks and a server process.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresStatementTimeoutTests {
    static func sleep(_ store: PostgresStore, seconds: Int) async throws {
        try await store.read("sleep") { connection, logger in
            // The statement's end (or its error) comes with the rows, after the sleep.
            for try await _ in try await connection.query("SELECT pg_sleep(\(seconds))", logger: logger) {}
        }
    }

    /// The number of statements of `configuration`'s database still sleeping, seen from outside.
    static func sleepers(_ configuration: PostgresConfiguration) async throws -> Int64 {
        try await PostgresTestServer.admin(configuration) { connection in
            let rows = try await connection.query(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep%'
                """, logger: PostgresTestServer.logger)
            var count: Int64 = 0
            for try await value in rows.decode(Int64.self) { count = value }
            return count
        }
    }

    @Test func theServerEndsAStatementPastItsLimitAndThePoolKeepsWorking() async throws {
        // A client deadline far away: what ends the statement is the server. The limit is far
        // below the sleep but well above what any of the store's own statements take on a loaded
        // machine (at 300 ms a whole-suite run here once never got its connection ready).
        let options = PostgresStore.Options(
            attempts: 1, operationTimeout: .seconds(120), maximumConnections: 1, statementTimeout: .seconds(3))
        try await PostgresTestServer.withFreshStore(options: options) { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let error = await #expect(throws: AttuneError.self) { try await Self.sleep(store, seconds: 600) }
            #expect(error?.code == .storage)
            #expect(error?.message.contains("sleep failed") == true)
            #expect(error?.message.contains("statement_timeout (SQLSTATE 57014)") == true)
            // The only pooled connection is lent again and works.
            #expect(try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])]) == [AppendResult(inserted: 1)])
            #expect(try await store.stats(of: .default).events == 1)
        }
    }

    /// The open risk this closes: the caller is answered at its deadline, and the statement it
    /// abandoned is ended by the server shortly after instead of running for its ten minutes.
    @Test func aStatementAbandonedAtTheClientsDeadlineIsEndedByTheServer() async throws {
        // Three seconds: connecting on a loaded machine must fit in one try.
        let options = PostgresStore.Options(attempts: 1, operationTimeout: .seconds(3), maximumConnections: 1)
        #expect(options.statementTimeout == .seconds(4), "a second over the client's deadline")
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: options, logger: PostgresTestServer.logger) { store in
                let error = await #expect(throws: AttuneError.self) { try await Self.sleep(store, seconds: 600) }
                #expect(error?.code == .storage)
                #expect(error?.message.contains("no connection or answer within") == true, "the client's deadline answers first")
                let ended = try await PostgresConsentTests.eventually(within: .seconds(60)) {
                    try await Self.sleepers(configuration) == 0
                }
                #expect(ended)
                // The pool (of one connection) serves again.
                let serving = try await PostgresConsentTests.eventually(within: .seconds(60)) {
                    (try? await store.workspaces()) != nil
                }
                #expect(serving)
            }
        }
    }

    @Test func idleInTransactionAndStatementLimitsAreSetOnPooledConnections() async throws {
        let options = PostgresStore.Options(operationTimeout: .milliseconds(2_500))
        try await PostgresTestServer.withFreshStore(options: options) { store in
            let settings = try await store.read("show settings") { connection, logger in
                let rows = try await connection.query(
                    "SELECT current_setting('statement_timeout'), current_setting('idle_in_transaction_session_timeout')",
                    logger: logger)
                var out: [String] = []
                for try await (statement, idle) in rows.decode((String, String).self) { out = [statement, idle] }
                return out
            }
            #expect(settings == ["3500ms", "3500ms"])
        }
    }
}
