import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import Foundation
import Testing

/// The backend-neutral consent store checks (shared with PostgreSQL) on SQLite.
struct SQLiteConsentStoreConformanceTests {
    @Test(arguments: ConsentStoreConformance.names)
    func conformsInMemory(_ check: String) async throws {
        try await ConsentStoreConformance.run(check, on: try SQLiteStore())
    }

    @Test(arguments: ConsentStoreConformance.names)
    func conformsOnDisk(_ check: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await ConsentStoreConformance.run(check, on: try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
    }
}
