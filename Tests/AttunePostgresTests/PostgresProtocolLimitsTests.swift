import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import PostgresNIO
import Testing

/// Where PostgreSQL cannot do what SQLite does, for the experiment, webhook and audit stores:
/// text with NUL is refused, naming the field, before anything is written.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresProtocolLimitsTests {
    @Test func exposuresWithNULAreRefusedWholeNamingTheField() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let good = Exposure(experiment: ExperimentKey(unchecked: "x"), unit: "u1", variant: 0, time: Fixtures.now)
            var bad = good
            bad.unit = "u\u{0}2"
            let error = await #expect(throws: AttuneError.self) { try await store.recordExposures([good, bad], in: .default) }
            #expect(error?.code == .invalidValue)
            #expect(error?.field == "exposures[1].unit")
            #expect(try await store.exposureCounts(of: good.experiment, in: .default).isEmpty)
            #expect(try await store.exposure(of: good.experiment, unit: bad.unit, in: .default) == nil)
        }
    }

    @Test func webhooksDeadLettersAndActionsWithNULAreRefused() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            var hook = Webhook(id: "h", url: "https://example.com", secret: "s\u{0}", segment: nil, createdAt: Fixtures.now, cursor: 0)
            let secret = await #expect(throws: AttuneError.self) { _ = try await store.createWebhook(hook, in: .default) }
            #expect(secret?.field == "secret")
            hook.secret = "s"
            _ = try await store.createWebhook(hook, in: .default)
            hook.lastError = "HTTP \u{0}"
            let lastError = await #expect(throws: AttuneError.self) { try await store.updateDelivery(of: hook, in: .default) }
            #expect(lastError?.field == "lastError")
            #expect(try await store.deleteWebhook("h\u{0}", in: .default) == false)
            #expect(try await store.webhooks(in: .default).map(\.lastError) == [nil])

            let change = SegmentChange(
                sequence: 1, entered: true, user: UserID(unchecked: "u"), segment: SegmentID(unchecked: "s"), time: Fixtures.now)
            let letter = await #expect(throws: AttuneError.self) {
                try await store.addDeadLetter(DeadLetter(webhook: "h", change: change, error: "\u{0}", time: Fixtures.now), in: .default)
            }
            #expect(letter?.field == "error")
            #expect(try await store.deadLetters(of: "h", in: .default, limit: 10).isEmpty)

            let action = await #expect(throws: AttuneError.self) {
                try await store.recordAction(
                    ExperimentAction(experiment: ExperimentKey(unchecked: "x"), action: "stop", evidence: "\u{0}", time: Fixtures.now),
                    in: .default)
            }
            #expect(action?.field == "evidence")
        }
    }

    @Test func anAuditBatchWithNULIsRefusedWholeAndTheChainIsUntouched() async throws {
        try await PostgresTestServer.withFreshStore { store throws in
            let good = AuditEntry(time: Fixtures.now, actor: "cli", action: .configurationChanged, detail: "ok")
            var bad = good
            bad.detail = "a\u{0}b"
            let error = await #expect(throws: AttuneError.self) {
                try await store.appendAudits([good, bad]) { previous, sequence, entry in
                    AuditStoreConformance.seal(previous, sequence, entry)
                }
            }
            #expect(error?.field == "entries[1].detail")
            #expect(try await store.auditRecords(after: 0, limit: 10).isEmpty)
        }
    }

    @Test func theAuditTableRefusesUpdatesDeletesAndTruncation() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { store in
                let entry = AuditEntry(time: Fixtures.now, actor: "cli", action: .configurationChanged)
                let record = try await store.appendAudit(entry) { previous, sequence in
                    AuditStoreConformance.seal(previous, sequence, entry)
                }
                for statement in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
                    await #expect(throws: (any Error).self, "\(statement)") {
                        try await PostgresTestServer.admin(configuration) { connection in
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresTestServer.logger)
                        }
                    }
                }
                #expect(try await store.auditRecords(after: 0, limit: 10) == [record])
            }
        }
    }
}
