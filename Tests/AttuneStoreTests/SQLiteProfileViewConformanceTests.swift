import AttuneStore
import AttuneStoreTestSupport
import Testing

/// The backend-neutral profile view checks (shared with PostgreSQL) on SQLite.
struct SQLiteProfileViewConformanceTests {
    @Test(arguments: ProfileViewStoreConformance.names)
    func profileView(_ check: String) async throws {
        try await ProfileViewStoreConformance.run(check, on: try SQLiteStore())
    }
}
