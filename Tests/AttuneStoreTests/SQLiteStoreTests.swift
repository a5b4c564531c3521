import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

struct SQLiteStoreTests {
    @Test(arguments: StoreConformance.all.map(\.0))
    func conformsInMemory(_ check: String) async throws {
        let run = try #require(StoreConformance.all.first { $0.0 == check }?.1)
        try await run(try SQLiteStore())
    }

    @Test(arguments: StoreConformance.all.map(\.0))
    func conformsOnDisk(_ check: String) async throws {
        let run = try #require(StoreConformance.all.first { $0.0 == check }?.1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await run(try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
    }

    @Test func dataSurvivesReopening() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        do {
            let store = try SQLiteStore(path: path)
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1), Fixtures.event(2)])])
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.stats(of: .default).events == 2)
        #expect(try await reopened.event(id: Fixtures.eventID(2), in: .default) != nil)
    }

    @Test func concurrentWritersLoseNothing() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for batch in 0..<10 {
                        let events = (0..<50).map { i in Fixtures.event(UInt64(writer * 10_000 + batch * 100 + i)) }
                        _ = try await store.append([EventBatch(workspace: .default, events: events)])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.stats(of: .default).events == 8 * 10 * 50)
    }
}
