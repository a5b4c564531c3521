import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Logging
import ServiceLifecycle
import Testing

struct EventWriterTests {
    @Test func concurrentAppendsAreAllCommittedAndCountedPerBatch() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let writer = EventWriter(store: store, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [writer], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Give the writer a moment to start before requests arrive.
            while true {
                do {
                    _ = try await writer.append(EventBatch(workspace: .default, events: [Fixtures.event(999_999)]))
                    break
                } catch {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            let results = try await withThrowingTaskGroup(of: AppendResult.self) { requests in
                for r in 0..<40 {
                    requests.addTask {
                        // Every batch repeats its first event: one duplicate per batch.
                        var events = (0..<25).map { Fixtures.event(UInt64(r * 100 + $0)) }
                        events.append(events[0])
                        return try await writer.append(EventBatch(workspace: .default, events: events))
                    }
                }
                return try await requests.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 40)
            #expect(results.allSatisfy { $0 == AppendResult(inserted: 25, duplicates: 1) })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await store.stats(of: .default).events == 40 * 25 + 1)
        await #expect(throws: AttuneError.self) {
            try await writer.append(EventBatch(workspace: .default, events: [Fixtures.event(5_000_000)]))
        }
    }

    @Test func appendsThatArriveBeforeTheWriterStartsAreCommittedOnceItRuns() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let writer = EventWriter(store: store, logger: Logger(label: "test"))
        let early = Task { try await writer.append(EventBatch(workspace: .default, events: [Fixtures.event(1)])) }
        try await Task.sleep(for: .milliseconds(50))
        let group = ServiceGroup(services: [writer], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await early.value == AppendResult(inserted: 1, duplicates: 0))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await store.stats(of: .default).events == 1)
    }
}
