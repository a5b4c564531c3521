import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's audit log must do, written once and run against each store (SQLite in
/// AttuneStoreTests, PostgreSQL in AttunePostgresTests). Each check takes a fresh, empty store.
package enum AuditStoreConformance: ConformanceSuite {
    package typealias Store = AuditStore

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("rowsAreNumberedFromOneAndChainedFromTheGenesisHash", { try await rowsAreNumberedFromOneAndChainedFromTheGenesisHash($0) }),
        ("entriesReadBackFieldForField", { try await entriesReadBackFieldForField($0) }),
        ("aBatchIsChainedAsRowsAppendedOneByOne", { try await aBatchIsChainedAsRowsAppendedOneByOne($0) }),
        ("pagesAndTheLatestRowOfAnAction", { try await pagesAndTheLatestRowOfAnAction($0) }),
        ("concurrentAppendersKeepOneGaplessChain", { try await concurrentAppendersKeepOneGaplessChain($0) }),
        ("aTailingReaderSeesEveryRowOnce", { try await aTailingReaderSeesEveryRowOnce($0) }),
    ]

    /// A stand-in for the engine's SHA-256 seal, without cryptography: it depends on the
    /// previous hash, the sequence and the entry, so a fork, a gap or a swap shows.
    package static func seal(_ previous: [UInt8], _ sequence: Int64, _ entry: AuditEntry) -> [UInt8] {
        var hash = Array(previous.dropFirst(9))
        for shift in stride(from: 56, through: 0, by: -8) { hash.append(UInt8(truncatingIfNeeded: sequence >> Int64(shift))) }
        hash.append(UInt8(truncatingIfNeeded: entry.actor.utf8.count &+ (entry.detail?.utf8.count ?? 0)))
        return hash
    }

    static func entry(_ n: Int, action: AuditAction = .profileRead) -> AuditEntry {
        AuditEntry(time: Fixtures.now.adding(milliseconds: Int64(n)), actor: "key_\(n)", action: action, workspace: .default, subject: "s\(n)")
    }

    @discardableResult
    static func append(_ entry: AuditEntry, to store: some Store) async throws -> AuditRecord {
        try await store.appendAudit(entry) { previous, sequence in seal(previous, sequence, entry) }
    }

    /// Every row follows the one before: numbered one more, linked to its hash, sealed over it.
    package static func expectChain(_ rows: [AuditRecord], sourceLocation: SourceLocation = #_sourceLocation) {
        var previous = auditGenesisHash
        for (index, row) in rows.enumerated() {
            #expect(row.sequence == Int64(index + 1), sourceLocation: sourceLocation)
            #expect(row.previousHash == previous, sourceLocation: sourceLocation)
            #expect(row.hash == seal(previous, row.sequence, row.entry), sourceLocation: sourceLocation)
            previous = row.hash
        }
    }

    static func rowsAreNumberedFromOneAndChainedFromTheGenesisHash(_ store: some Store) async throws {
        #expect(try await store.auditRecords(after: 0, limit: 10).isEmpty)
        #expect(try await store.latestAudit(.profileRead) == nil)
        let first = try await append(entry(1), to: store)
        #expect(first == AuditRecord(sequence: 1, entry: entry(1), previousHash: auditGenesisHash, hash: seal(auditGenesisHash, 1, entry(1))))
        let second = try await append(entry(2), to: store)
        #expect(second.sequence == 2)
        #expect(second.previousHash == first.hash)
        #expect(try await store.auditRecords(after: 0, limit: 10) == [first, second])
    }

    static func entriesReadBackFieldForField(_ store: some Store) async throws {
        let entries = [
            AuditEntry(time: Fixtures.now, actor: "cli", action: .configurationChanged),
            // Empty differs from absent; text that quoting or re-encoding would change.
            AuditEntry(
                time: Timestamp(millisecondsSinceEpoch: -1), actor: "", action: AuditAction("custom.action"),
                workspace: WorkspaceID(unchecked: "ws 🍮 'x'"), subject: "", detail: ""),
            AuditEntry(
                time: Timestamp(millisecondsSinceEpoch: .max), actor: #"key_"1" \ crème"#, action: .keyCreated,
                workspace: nil, subject: "'; DELETE FROM audit_log; --", detail: String(repeating: "détail ", count: 2_000)),
        ]
        var records: [AuditRecord] = []
        for entry in entries { records.append(try await append(entry, to: store)) }
        let stored = try await store.auditRecords(after: 0, limit: 10)
        #expect(stored == records)
        #expect(stored.map(\.entry) == entries)
        expectChain(stored)
    }

    static func aBatchIsChainedAsRowsAppendedOneByOne(_ store: some Store) async throws {
        try await append(entry(1), to: store)
        try await store.appendAudits([]) { previous, sequence, entry in seal(previous, sequence, entry) }
        #expect(try await store.auditRecords(after: 0, limit: 10).count == 1)
        let batch = (2...6).map { entry($0) } + [AuditEntry(time: Fixtures.now, actor: "x", action: .keyRevoked)]
        try await store.appendAudits(batch) { previous, sequence, entry in seal(previous, sequence, entry) }
        try await append(entry(8), to: store)
        let rows = try await store.auditRecords(after: 0, limit: 100)
        #expect(rows.map(\.entry) == [entry(1)] + batch + [entry(8)])
        expectChain(rows)
    }

    static func pagesAndTheLatestRowOfAnAction(_ store: some Store) async throws {
        for n in 1...7 { try await append(entry(n, action: n.isMultiple(of: 3) ? .keyCreated : .profileRead), to: store) }
        let all = try await store.auditRecords(after: 0, limit: 100)
        #expect(try await store.auditRecords(after: 2, limit: 3) == Array(all[2..<5]))
        #expect(try await store.auditRecords(after: 5, limit: 100) == Array(all[5...]))
        #expect(try await store.auditRecords(after: 7, limit: 100).isEmpty)
        #expect(try await store.auditRecords(after: .max, limit: 100).isEmpty)
        #expect(try await store.auditRecords(after: .min, limit: 100) == all)
        #expect(try await store.auditRecords(after: 0, limit: 0).isEmpty)
        // A negative limit is no limit, as SQL reads it.
        #expect(try await store.auditRecords(after: 0, limit: -1) == all)
        #expect(try await store.latestAudit(.keyCreated) == all[5])
        #expect(try await store.latestAudit(.profileRead) == all[6])
        #expect(try await store.latestAudit(.configurationChanged) == nil)
    }

    static func concurrentAppendersKeepOneGaplessChain(_ store: some Store) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<6 {
                group.addTask {
                    for n in 0..<10 {
                        if n.isMultiple(of: 3) {
                            let batch = (0..<3).map { entry(writer * 1_000 + n * 10 + $0) }
                            try await store.appendAudits(batch) { previous, sequence, entry in seal(previous, sequence, entry) }
                        } else {
                            try await append(entry(writer * 1_000 + n * 10), to: store)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let rows = try await store.auditRecords(after: 0, limit: -1)
        #expect(rows.count == 6 * (4 * 3 + 6))
        expectChain(rows)
        // A batch's rows stay together: nothing is appended between them.
        for writer in 0..<6 {
            for n in stride(from: 0, to: 10, by: 3) {
                let start = try #require(rows.firstIndex { $0.entry == entry(writer * 1_000 + n * 10) })
                #expect(rows[start..<start + 3].map(\.entry) == (0..<3).map { entry(writer * 1_000 + n * 10 + $0) })
            }
        }
    }

    /// A reader paging with `after` while rows are appended must see every row once: a row
    /// numbered below one already read must not commit after it.
    static func aTailingReaderSeesEveryRowOnce(_ store: some Store) async throws {
        let done = Locked(false)
        async let tail: [Int64] = {
            var after: Int64 = 0
            var seen: [Int64] = []
            while true {
                let finished = done.withLock { $0 }
                let page = try await store.auditRecords(after: after, limit: 5)
                seen += page.map(\.sequence)
                after = page.last?.sequence ?? after
                if finished && page.isEmpty { return seen }
                await Task.yield()
            }
        }()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for n in 0..<25 { try await append(entry(writer * 100 + n), to: store) }
                }
            }
            try await group.waitForAll()
        }
        done.withLock { $0 = true }
        let seen = try await tail
        #expect(seen == Array(1...100))
    }
}
