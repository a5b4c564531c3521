import AttuneCore
import AttunePostgres
import AttuneStoreTestSupport
import Testing

/// The backend-neutral identity resolution checks (shared with SQLite) on a real PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresIdentityResolutionConformanceTests {
    @Test(arguments: IdentityResolutionStoreConformance.names)
    func identityResolution(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await IdentityResolutionStoreConformance.run(check, on: store)
        }
    }
}
