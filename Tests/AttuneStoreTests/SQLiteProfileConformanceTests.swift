import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import Foundation
import Testing

/// The backend-neutral identity, profile and segment checks (shared with PostgreSQL) on SQLite.
struct SQLiteProfileConformanceTests {
    @Test(arguments: IdentityStoreConformance.names)
    func identity(_ check: String) async throws {
        try await IdentityStoreConformance.run(check, on: try SQLiteStore())
    }

    @Test(arguments: ProfileStoreConformance.names)
    func profiles(_ check: String) async throws {
        try await ProfileStoreConformance.run(check, on: try SQLiteStore())
    }

    /// On disk too: concurrent writers there go through SQLite's locking, not one in-memory queue.
    @Test(arguments: ProfileStoreConformance.names)
    func profilesOnDisk(_ check: String) async throws {
        try await withDatabaseFile { path in try await ProfileStoreConformance.run(check, on: try SQLiteStore(path: path)) }
    }

    @Test(arguments: SegmentStoreConformance.names)
    func segments(_ check: String) async throws {
        try await SegmentStoreConformance.run(check, on: try SQLiteStore())
    }

    private func withDatabaseFile(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("db.sqlite").path)
    }
}
