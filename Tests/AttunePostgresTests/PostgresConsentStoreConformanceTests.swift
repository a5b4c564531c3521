import AttuneCore
import AttunePostgres
import AttuneStoreTestSupport
import Testing

/// The backend-neutral consent store checks (shared with SQLite) on a real PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresConsentStoreConformanceTests {
    @Test(arguments: ConsentStoreConformance.names)
    func conforms(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await ConsentStoreConformance.run(check, on: store)
        }
    }
}
