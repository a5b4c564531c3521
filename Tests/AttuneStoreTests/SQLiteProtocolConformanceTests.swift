import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import Foundation
import Testing

/// The backend-neutral experiment, webhook and audit store checks (shared with PostgreSQL) on
/// SQLite, in memory and on disk.
struct SQLiteProtocolConformanceTests {
    @Test(arguments: ExperimentStoreConformance.names)
    func experimentStoreInMemory(_ check: String) async throws {
        try await ExperimentStoreConformance.run(check, on: try SQLiteStore())
    }

    @Test(arguments: ExperimentStoreConformance.names)
    func experimentStoreOnDisk(_ check: String) async throws {
        try await Self.onDisk { try await ExperimentStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: WebhookStoreConformance.names)
    func webhookStoreInMemory(_ check: String) async throws {
        try await WebhookStoreConformance.run(check, on: try SQLiteStore())
    }

    @Test(arguments: WebhookStoreConformance.names)
    func webhookStoreOnDisk(_ check: String) async throws {
        try await Self.onDisk { try await WebhookStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: AuditStoreConformance.names)
    func auditStoreInMemory(_ check: String) async throws {
        try await AuditStoreConformance.run(check, on: try SQLiteStore())
    }

    @Test(arguments: AuditStoreConformance.names)
    func auditStoreOnDisk(_ check: String) async throws {
        try await Self.onDisk { try await AuditStoreConformance.run(check, on: $0) }
    }

    static func onDisk(_ body: (SQLiteStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
    }
}
