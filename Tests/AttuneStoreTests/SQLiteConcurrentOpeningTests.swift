import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Processes that start together on a new data directory (`attune serve --role api` beside
/// `attune worker`) open, and so migrate, one new database at the same moment.
struct SQLiteConcurrentOpeningTests {
    @Test func storesOpenedTogetherOnANewDatabaseAllMigrateIt() async throws {
        for _ in 0..<10 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-open-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("db.sqlite").path
            let failures = Locked<[String]>([])
            let opened = Locked<[SQLiteStore]>([])
            // Threads of their own, released together: the migrations must overlap, as the
            // processes' did (a pool of two worker threads ran them one after the other).
            let openers = 6
            let gate = Locked(0)
            let finished = DispatchGroup()
            for _ in 0..<openers {
                finished.enter()
                Thread.detachNewThread {
                    gate.withLock { $0 += 1 }
                    while gate.withLock({ $0 }) < openers { usleep(100) }
                    do {
                        let store = try SQLiteStore(path: path)
                        opened.withLock { $0.append(store) }
                    } catch {
                        failures.withLock { $0.append(String(describing: error)) }
                    }
                    finished.leave()
                }
            }
            finished.wait()
            #expect(failures.withLock { $0 } == [])
            // Each one works on the shared database: what one writes, another reads.
            let stores = opened.withLock { $0 }
            try #require(stores.count == openers)
            try await stores[0].ensureWorkspace(.default, at: Fixtures.now)
            _ = try await stores[1].append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
            #expect(try await stores[openers - 1].stats(of: .default).events == 1)
        }
    }
}
