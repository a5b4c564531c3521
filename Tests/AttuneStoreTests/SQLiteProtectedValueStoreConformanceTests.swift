import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import GRDB
import Testing

/// The backend-neutral key rotation rewrite checks (shared with PostgreSQL) on SQLite.
struct SQLiteProtectedValueStoreConformanceTests {
    @Test(arguments: ProtectedValueStoreConformance.names)
    func conforms(_ check: String) async throws {
        let store = try SQLiteStore()
        try await ProtectedValueStoreConformance.run(check, on: store, tables: Self.tables(of: store))
    }

    static func tables(of store: SQLiteStore) -> ProtectedValueStoreConformance.Tables {
        ProtectedValueStoreConformance.Tables(
            declarations: {
                try await store.writer.read { db in
                    try String.fetchAll(db, sql: """
                        SELECT traits FROM declared_sources WHERE workspace = (SELECT pk FROM workspaces WHERE name = 'default')
                        ORDER BY user_id, source
                        """)
                }
            },
            updateTimes: {
                try await store.writer.read { db in
                    try Int64.fetchAll(
                        db, sql: "SELECT updated_at FROM user_traits UNION ALL SELECT updated_at FROM declared_sources ORDER BY 1")
                }
            })
    }
}
