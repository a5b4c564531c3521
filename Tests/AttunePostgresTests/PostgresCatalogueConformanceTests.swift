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
            try await PostgresStore.withStore(configuration, logger: PostgresTestServer.logger) { store in
                let people = try await PostgresPeople.make(store, configuration)
                try await ImputationStoreConformance.run(check, on: store, people: people)
            }
        }
    }
}

/// Profiles and erasures for the imputation checks.
///
/// Profiles come from events through `append`, as in production. Erasure is not on PostgreSQL
/// yet: `erased_users` is created here when missing, with the columns imputations read, and an
/// erasure is written with SQL (the profile and the estimates go, the digest stays, as SQLite's
/// `erasePerson` leaves them). Once erasure lands, `erase` should call it instead.
enum PostgresPeople {
    static func make(_ store: PostgresStore, _ configuration: PostgresConfiguration) async throws
        -> ImputationStoreConformance.People
    {
        try await PostgresTestServer.admin(configuration) { connection in
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS erased_users (
                    workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                    digest BYTEA NOT NULL,
                    erased_at BIGINT NOT NULL,
                    PRIMARY KEY (workspace, digest)
                )
                """, logger: PostgresTestServer.logger)
        }
        return ImputationStoreConformance.People(
            addProfiles: ImputationStoreConformance.People.profilesFromEvents(store),
            erase: { user, digest, workspace, time in
                // As SQLite's erasePerson: the profile and the estimates go, the digest stays.
                try await PostgresTestServer.admin(configuration) { connection in
                    for table in ["profiles", "imputed_attributes"] {
                        try await connection.query(
                            PostgresQuery(
                                unsafeSQL: """
                                    DELETE FROM \(table) WHERE user_id = $1
                                    AND workspace = (SELECT pk FROM workspaces WHERE name = $2)
                                    """,
                                binds: {
                                    var binds = PostgresBindings()
                                    binds.append(user.rawValue)
                                    binds.append(workspace.rawValue)
                                    return binds
                                }()),
                            logger: PostgresTestServer.logger)
                    }
                    try await connection.query(
                        """
                        INSERT INTO erased_users (workspace, digest, erased_at)
                        SELECT pk, \(ByteBuffer(bytes: digest)), \(time.millisecondsSinceEpoch) FROM workspaces
                        WHERE name = \(workspace.rawValue)
                        ON CONFLICT (workspace, digest) DO UPDATE SET erased_at = excluded.erased_at
                        """, logger: PostgresTestServer.logger)
                }
            })
    }
}
