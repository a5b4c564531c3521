import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import PostgresNIO
import Testing

/// The backend-neutral catalogue, vector, text and imputation checks (shared with SQLite) on a
/// real PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresCatalogueConformanceTests {
    @Test(arguments: CatalogStoreConformance.names)
    func catalogue(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { try await CatalogStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: EmbeddingStoreConformance.names)
    func embeddings(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { try await EmbeddingStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: TextStoreConformance.names)
    func texts(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { try await TextStoreConformance.run(check, on: $0) }
    }
}
