import AttuneCore
import AttunePostgres
import AttuneStoreTestSupport
import Testing

/// The backend-neutral erasure, exposure and retention checks (shared with SQLite) on a real
/// PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresPersonalDataConformanceTests {
    @Test(arguments: PersonalDataStoreConformance.names)
    func conforms(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await PersonalDataStoreConformance.run(check, on: store)
        }
    }
}
