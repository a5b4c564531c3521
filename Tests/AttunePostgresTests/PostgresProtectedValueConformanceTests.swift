import AttuneCore
import AttunePostgres
import AttuneStoreTestSupport
import PostgresNIO
import Testing

/// The backend-neutral key rotation rewrite checks (shared with SQLite) on a real PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresProtectedValueConformanceTests {
    @Test(arguments: ProtectedValueStoreConformance.names)
    func protectedValues(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await ProtectedValueStoreConformance.run(check, on: store, tables: Self.tables(of: store))
        }
    }

    static func tables(of store: PostgresStore) -> ProtectedValueStoreConformance.Tables {
        let configuration = store.configuration
        return ProtectedValueStoreConformance.Tables(
            declarations: {
                try await PostgresTestServer.admin(configuration) { connection in
                    let rows = try await connection.query(
                        """
                        SELECT traits FROM declared_sources WHERE workspace = (SELECT pk FROM workspaces WHERE name = 'default')
                        ORDER BY user_id, source
                        """, logger: PostgresTestServer.logger)
                    var texts: [String] = []
                    for try await text in rows.decode(String.self) { texts.append(text) }
                    return texts
                }
            },
            updateTimes: {
                try await PostgresTestServer.admin(configuration) { connection in
                    let rows = try await connection.query(
                        "SELECT updated_at FROM user_traits UNION ALL SELECT updated_at FROM declared_sources ORDER BY 1",
                        logger: PostgresTestServer.logger)
                    var times: [Int64] = []
                    for try await time in rows.decode(Int64.self) { times.append(time) }
                    return times
                }
            })
    }
}
