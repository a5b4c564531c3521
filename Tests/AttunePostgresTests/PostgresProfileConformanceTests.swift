import AttuneCore
import AttunePostgres
import AttuneStoreTestSupport
import Testing

/// The backend-neutral identity, profile and segment checks (shared with SQLite) on a real
/// PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresProfileConformanceTests {
    @Test(arguments: IdentityStoreConformance.names)
    func identity(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in try await IdentityStoreConformance.run(check, on: store) }
    }

    @Test(arguments: ProfileStoreConformance.names)
    func profiles(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in try await ProfileStoreConformance.run(check, on: store) }
    }

    @Test(arguments: SegmentStoreConformance.names)
    func segments(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in try await SegmentStoreConformance.run(check, on: store) }
    }
}
