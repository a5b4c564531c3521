import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Logging
import ServiceLifecycle
import Testing

struct AuditWriterTests {
    let store: SQLiteStore
    let log: AuditLog

    init() throws {
        store = try SQLiteStore()
        log = AuditLog(store: store, clock: FixedClock())
    }

    /// Runs `writer` as a service around `body`, then shuts it down gracefully.
    func running(_ writer: AuditWriter, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(services: [writer], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func rows() async throws -> [AuditRecord] { try await store.auditRecords(after: 0, limit: 100_000) }

    @Test func aQueuedRowIsCommittedByTheNextFlushAndTheChainHolds() async throws {
        let writer = AuditWriter(store: store, clock: FixedClock(), interval: .milliseconds(20))
        try await running(writer) {
            try await writer.record(.profileRead, actor: "key_1", workspace: .default, subject: "user-1")
            // Polled, not timed: the row appears once a flush has run.
            while try await rows().isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            let entry = try #require(try await rows().first?.entry)
            #expect(entry.action == .profileRead)
            #expect(entry.actor == "key_1")
            #expect(entry.subject == "user-1")
            #expect(writer.queuedCount == 0)
        }
        #expect(try await log.verify().isIntact)
    }

    @Test func gracefulShutdownWritesWhatIsQueued() async throws {
        // An interval no test reaches: only the shutdown can write these rows.
        let writer = AuditWriter(store: store, clock: FixedClock(), interval: .seconds(3_600))
        try await running(writer) {
            for index in 1...3 {
                try await writer.record(.profileRead, actor: "key_\(index)", workspace: .default, subject: "user-\(index)")
            }
            #expect(try await rows().isEmpty)
        }
        #expect(try await rows().map(\.entry.actor) == ["key_1", "key_2", "key_3"])
        #expect(try await log.verify().isIntact)
        // After shutdown a row is written at once rather than queued for a flush that never comes.
        try await writer.record(.profileRead, actor: "key_4", workspace: .default, subject: "user-4")
        #expect(try await rows().count == 4)
        #expect(try await log.verify().isIntact)
    }

    @Test func aFullQueueMakesTheReaderWaitForItsRowInsteadOfDroppingIt() async throws {
        let writer = AuditWriter(store: store, clock: FixedClock(), capacity: 2, interval: .seconds(3_600))
        try await running(writer) {
            try await writer.record(.profileRead, actor: "key_1")
            try await writer.record(.profileRead, actor: "key_2")
            #expect(try await rows().isEmpty)
            // The third finds the queue full: it returns only once its row (and those before it) is committed.
            try await writer.record(.profileRead, actor: "key_3")
            #expect(try await rows().map(\.entry.actor) == ["key_1", "key_2", "key_3"])
        }
        #expect(try await log.verify().isIntact)
    }

    @Test func concurrentReadsAmongChangesGiveOneRowEachAndOneChain() async throws {
        let writer = AuditWriter(store: store, clock: FixedClock(), capacity: 50, interval: .milliseconds(10))
        try await running(writer) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for index in 0..<400 {
                    tasks.addTask {
                        if index % 40 == 0 {
                            // A change writes its own row in its own transaction meanwhile.
                            try await log.record(.keyCreated, actor: "cli", subject: "change-\(index)")
                        } else {
                            try await writer.record(.profileRead, actor: "key_\(index)", subject: "user-\(index)")
                        }
                    }
                }
                try await tasks.waitForAll()
            }
        }
        let all = try await rows()
        #expect(all.count == 400)
        #expect(Set(all.map(\.entry.subject)).count == 400)
        #expect(all.map(\.sequence) == Array(1...400))
        #expect(try await log.verify().isIntact)
    }

    @Test func aBatchIsChainedExactlyAsRowsAppendedOneByOne() async throws {
        let entries = (1...4).map {
            AuditEntry(time: Fixtures.now, actor: "key_\($0)", action: .profileRead, workspace: .default, subject: "user-\($0)")
        }
        try await log.record(entries: Array(entries[..<1]))
        try await log.record(entries: Array(entries[1...]))
        let other = try SQLiteStore()
        for entry in entries {
            _ = try await other.appendAudit(entry) { previous, sequence in
                AuditLog.seal(previousHash: previous, sequence: sequence, entry: entry)
            }
        }
        #expect(try await rows() == other.auditRecords(after: 0, limit: 10))
        try await log.record(entries: [])
        #expect(try await rows().count == 4)
    }
}
