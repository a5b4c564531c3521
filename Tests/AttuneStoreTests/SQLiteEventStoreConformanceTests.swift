import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import Foundation
import Testing

/// The backend-neutral event store checks (shared with PostgreSQL) on SQLite.
struct SQLiteEventStoreConformanceTests {
    @Test(arguments: EventStoreConformance.names)
    func conformsInMemory(_ check: String) async throws {
        try await EventStoreConformance.run(check, on: try SQLiteStore())
    }

    @Test(arguments: EventStoreConformance.names)
    func conformsOnDisk(_ check: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await EventStoreConformance.run(check, on: try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
    }
}
