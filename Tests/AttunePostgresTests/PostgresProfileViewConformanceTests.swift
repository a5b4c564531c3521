import AttunePostgres
import AttuneStoreTestSupport
import Testing

/// The backend-neutral profile view checks (shared with SQLite) on a real PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresProfileViewConformanceTests {
    @Test(arguments: ProfileViewStoreConformance.names)
    func profileView(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in try await ProfileViewStoreConformance.run(check, on: store) }
    }
}
