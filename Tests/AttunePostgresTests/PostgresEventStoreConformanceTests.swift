import AttuneCore
import AttunePostgres
import AttuneStoreTestSupport
import Testing

/// The backend-neutral event store checks (shared with SQLite) on a real PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresEventStoreConformanceTests {
    @Test(arguments: EventStoreConformance.names)
    func conforms(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await EventStoreConformance.run(check, on: store)
        }
    }
}
