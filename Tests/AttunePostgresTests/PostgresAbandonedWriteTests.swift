import AttuneCore
@testable import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// A write that is not idempotent and misses its deadline must not be stored twice, nor stored
/// after its caller was told it failed: the attempt abandoned at the deadline keeps running
/// (postgres-nio does not cancel a statement in flight), so it must not reach COMMIT, and the
/// write must not be tried again.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresAbandonedWriteTests {
    @Test func anAuditAppendThatMissesItsDeadlineIsNeitherRetriedNorCommittedLater() async throws {
        // The server's own limit far away: what ends the wait is the client's deadline. That
        // deadline also bounds the store's first connection, which a loaded test run can take
        // longer than half a second to make.
        let options = PostgresStore.Options(
            attempts: 3, operationTimeout: .seconds(3), retryDelay: .milliseconds(20), statementTimeout: .seconds(60))
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: options, logger: PostgresTestServer.logger) { store in
                let entry = AuditEntry(time: Fixtures.now, actor: "cli", action: .configurationChanged)
                try await PostgresTestServer.admin(configuration) { admin in
                    // Another process holds the chain while the append waits for it.
                    try await admin.query("BEGIN", logger: PostgresTestServer.logger)
                    try await admin.query(
                        "SELECT pg_advisory_xact_lock(\(AdvisoryLock.namespace), \(AdvisoryLock.auditChain))",
                        logger: PostgresTestServer.logger)
                    let error = await #expect(throws: AttuneError.self) {
                        try await store.appendAudit(entry) { previous, sequence in
                            AuditStoreConformance.seal(previous, sequence, entry)
                        }
                    }
                    #expect(error?.code == .storage)
                    // A retried operation is reported "after N attempts".
                    #expect(error?.message.contains("attempts") == false, "retried: \(error?.message ?? "")")
                    try await admin.query("COMMIT", logger: PostgresTestServer.logger)
                }
                // The abandoned attempt now gets the lock; give it time to do whatever it would.
                try await Task.sleep(for: .seconds(1.5))
                #expect(try await store.auditRecords(after: 0, limit: 10).isEmpty)
                // The chain still takes appends.
                let record = try await store.appendAudit(entry) { previous, sequence in
                    AuditStoreConformance.seal(previous, sequence, entry)
                }
                #expect(record.sequence == 1)
            }
        }
    }
}
