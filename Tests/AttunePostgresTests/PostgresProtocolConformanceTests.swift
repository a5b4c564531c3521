import AttuneCore
import AttunePostgres
import AttuneStoreTestSupport
import Testing

/// The backend-neutral experiment, webhook and audit store checks (shared with SQLite) on a real
/// PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresProtocolConformanceTests {
    @Test(arguments: ExperimentStoreConformance.names)
    func experimentStore(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { try await ExperimentStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: WebhookStoreConformance.names)
    func webhookStore(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { try await WebhookStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: AuditStoreConformance.names)
    func auditStore(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { try await AuditStoreConformance.run(check, on: $0) }
    }
}
