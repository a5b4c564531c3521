import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Testing

/// Two stores on one database, as two `attune` processes share it: each has its own pool, so
/// their writes meet only in the server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresTwoProcessTests {
    static func withTwoStores(_ body: @escaping @Sendable (PostgresStore, PostgresStore) async throws -> Void) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { first in
                try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { second in
                    try await first.ensureWorkspace(.default, at: Fixtures.now)
                    try await body(first, second)
                }
            }
        }
    }

    @Test func racingExposuresOfOneUnitKeepTheFirstVariantInBothProcesses() async throws {
        try await Self.withTwoStores { first, second in
            try await ExperimentStoreConformance.recordConcurrently(on: [first, second, first, second], units: 80)
            // Both processes read the same stored variant.
            for unit in 0..<80 {
                let key = ExperimentKey(unchecked: "race")
                #expect(try await first.exposure(of: key, unit: "unit-\(unit)", in: .default)
                    == second.exposure(of: key, unit: "unit-\(unit)", in: .default))
            }
        }
    }

    @Test func auditRowsAppendedByTwoProcessesFormOneGaplessChain() async throws {
        try await Self.withTwoStores { first, second in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in [first, second, first, second].enumerated() {
                    group.addTask {
                        for n in 0..<20 {
                            let entry = AuditEntry(time: Fixtures.now, actor: "p\(index)", action: .profileRead, subject: "\(n)")
                            if n.isMultiple(of: 4) {
                                try await store.appendAudits([entry, entry]) { previous, sequence, entry in
                                    AuditStoreConformance.seal(previous, sequence, entry)
                                }
                            } else {
                                _ = try await store.appendAudit(entry) { previous, sequence in
                                    AuditStoreConformance.seal(previous, sequence, entry)
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await second.auditRecords(after: 0, limit: -1)
            #expect(rows.count == 4 * 25)
            AuditStoreConformance.expectChain(rows)
        }
    }

    @Test func aStaleDispatcherInAnotherProcessCannotMoveACursorBack() async throws {
        try await Self.withTwoStores { first, second in
            var hook = try await first.createWebhook(
                Webhook(id: "h", url: "https://example.com/h", secret: "s", segment: nil, createdAt: Fixtures.now, cursor: 0),
                in: .default)
            // Both read the webhook; the first delivers up to 20, the second then writes what it
            // had reached before.
            var behind = try #require(try await second.webhooks(in: .default).first)
            hook.cursor = 20
            try await first.updateDelivery(of: hook, in: .default)
            behind.cursor = 5
            behind.attempts = 2
            try await second.updateDelivery(of: behind, in: .default)
            #expect(try await first.webhooks(in: .default).first?.cursor == 20)
            #expect(try await second.webhooks(in: .default).first?.attempts == 0)
        }
    }
}
