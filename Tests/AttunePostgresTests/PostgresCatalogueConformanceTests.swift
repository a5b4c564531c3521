import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
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

    @Test(arguments: ImputationStoreConformance.names)
    func imputations(_ check: String) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { store in
                let people = try await PostgresPeople.make(store, configuration)
                try await ImputationStoreConformance.run(check, on: store, people: people)
            }
        }
    }
}

/// Profiles and erasures for the imputation checks: profiles come from events through `append`,
/// erasure from the personal-data store, as in production.
enum PostgresPeople {
    static func make(_ store: PostgresStore, _ configuration: PostgresConfiguration) async throws
        -> ImputationStoreConformance.People
    {
        ImputationStoreConformance.People(
            addProfiles: ImputationStoreConformance.People.profilesFromEvents(store),
            erase: { user, digest, workspace, time in
                let erased = try await store.erasePerson(user, digest: { _ in digest }, in: workspace, at: time)
                #expect(erased != nil)
            })
    }
}
