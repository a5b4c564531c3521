import AttuneCore
import AttunePostgres
import AttuneStoreTestSupport
import PostgresNIO
import Testing

/// The backend-neutral dashboard aggregate checks (shared with SQLite) on a real PostgreSQL server.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresActivityConformanceTests {
    @Test(arguments: ActivityStoreConformance.names)
    func activity(_ check: String) async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await ActivityStoreConformance.run(check, on: store, segments: Self.segments(of: store))
        }
    }

    /// Segments written directly: the segment store is not on PostgreSQL in this module yet. The
    /// members are every user with an event, as the rule `traits.events > 0` would make them.
    static func segments(of store: PostgresStore) -> ActivityStoreConformance.Segments {
        let configuration = store.configuration
        return ActivityStoreConformance.Segments(
            createSegmentOfEveryone: { id in
                try await PostgresTestServer.admin(configuration) { connection in
                    try await connection.query(
                        """
                        INSERT INTO segments (workspace, id, name, kind, rule, created_at, updated_at)
                        SELECT pk, \(id.rawValue), \(id.rawValue), 'rule', 'traits.events > 0', 0, 0
                        FROM workspaces WHERE name = 'default'
                        """, logger: PostgresTestServer.logger)
                    try await connection.query(
                        """
                        INSERT INTO segment_memberships (workspace, segment_id, user_id, entered_at)
                        SELECT workspace, \(id.rawValue), user_id, 0 FROM profiles
                        WHERE workspace = (SELECT pk FROM workspaces WHERE name = 'default') AND events > 0
                        """, logger: PostgresTestServer.logger)
                }
            },
            deleteSegment: { id in
                try await PostgresTestServer.admin(configuration) { connection in
                    _ = try await connection.query(
                        "DELETE FROM segments WHERE id = \(id.rawValue)", logger: PostgresTestServer.logger)
                }
            })
    }
}
