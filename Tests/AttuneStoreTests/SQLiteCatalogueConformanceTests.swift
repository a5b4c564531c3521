import AttuneCore
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Foundation
import Testing

/// The backend-neutral catalogue, vector, text and imputation checks (shared with PostgreSQL) on
/// SQLite, in memory and on disk.
struct SQLiteCatalogueConformanceTests {
    @Test(arguments: CatalogStoreConformance.names)
    func catalogue(_ check: String) async throws {
        try await CatalogStoreConformance.run(check, on: try SQLiteStore())
        try await Self.onDisk { try await CatalogStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: EmbeddingStoreConformance.names)
    func embeddings(_ check: String) async throws {
        try await EmbeddingStoreConformance.run(check, on: try SQLiteStore())
        try await Self.onDisk { try await EmbeddingStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: TextStoreConformance.names)
    func texts(_ check: String) async throws {
        try await TextStoreConformance.run(check, on: try SQLiteStore())
        try await Self.onDisk { try await TextStoreConformance.run(check, on: $0) }
    }

    @Test(arguments: ImputationStoreConformance.names)
    func imputations(_ check: String) async throws {
        let store = try SQLiteStore()
        try await ImputationStoreConformance.run(check, on: store, people: Self.people(store))
        try await Self.onDisk { try await ImputationStoreConformance.run(check, on: $0, people: Self.people($0)) }
    }

    /// Profiles come from events, erasure from the personal-data store, as in production.
    static func people(_ store: SQLiteStore) -> ImputationStoreConformance.People {
        return ImputationStoreConformance.People(
            addProfiles: ImputationStoreConformance.People.profilesFromEvents(store),
            erase: { user, digest, workspace, time in
                let erased = try await store.erasePerson(user, digest: { _ in digest }, in: workspace, at: time)
                #expect(erased != nil)
            })
    }

    static func onDisk(_ body: (SQLiteStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "attune-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
    }
}
