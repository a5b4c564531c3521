import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import Testing

/// The backend-neutral identity resolution checks (shared with PostgreSQL) on SQLite.
struct SQLiteIdentityResolutionConformanceTests {
    @Test(arguments: IdentityResolutionStoreConformance.names)
    func identityResolution(_ check: String) async throws {
        try await IdentityResolutionStoreConformance.run(check, on: try SQLiteStore())
    }
}
