import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import Foundation
import Testing

/// The backend-neutral erasure, exposure and retention checks (shared with PostgreSQL) on SQLite,
/// in memory and on disk.
struct SQLitePersonalDataConformanceTests {
    @Test(arguments: PersonalDataStoreConformance.names)
    func conformsInMemory(_ check: String) async throws {
        try await PersonalDataStoreConformance.run(check, on: try SQLiteStore())
    }

    @Test(arguments: PersonalDataStoreConformance.names)
    func conformsOnDisk(_ check: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await PersonalDataStoreConformance.run(
            check, on: try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
    }
}
