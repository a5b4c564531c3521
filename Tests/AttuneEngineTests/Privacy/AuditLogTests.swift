import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import GRDB
import Testing

struct AuditLogTests {
    let store: SQLiteStore
    let log: AuditLog

    init() async throws {
        store = try SQLiteStore()
        log = AuditLog(store: store, clock: FixedClock())
        for index in 1...5 {
            try await log.record(.profileRead, actor: "key_\(index)", workspace: .default, subject: "user-\(index)")
        }
    }

    /// Tampering as someone with the database file would: the append-only triggers go first.
    func tamper(_ sql: String, _ arguments: StatementArguments = []) async throws {
        try await store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete")
            try db.execute(sql: sql, arguments: arguments)
        }
    }

    @Test func anUntouchedLogVerifiesAndReportsItsHead() async throws {
        let result = try await log.verify(pageSize: 2)
        #expect(result.isIntact)
        #expect(result.verifiedRows == 5)
        #expect(result.headSequence == 5)
        let rows = try await store.auditRecords(after: 0, limit: 10)
        #expect(result.headHash == rows.last?.hash)
        #expect(rows.first?.previousHash == auditGenesisHash)
        for (earlier, later) in zip(rows, rows.dropFirst()) { #expect(later.previousHash == earlier.hash) }
    }

    @Test func anEmptyLogIsIntact() async throws {
        let result = try await AuditLog(store: try SQLiteStore(), clock: FixedClock()).verify()
        #expect(result.isIntact && result.verifiedRows == 0)
    }

    @Test func theTableRefusesUpdatesAndDeletes() async throws {
        await #expect(throws: (any Error).self) {
            try await store.writer.write { db in try db.execute(sql: "UPDATE audit_log SET actor = 'x' WHERE seq = 2") }
        }
        await #expect(throws: (any Error).self) {
            try await store.writer.write { db in try db.execute(sql: "DELETE FROM audit_log WHERE seq = 2") }
        }
        #expect(try await log.verify().isIntact)
    }

    @Test(arguments: ["actor", "subject", "at", "workspace", "hash"])
    func anEditedRowIsFound(_ column: String) async throws {
        let value: any DatabaseValueConvertible = column == "at" ? 1 : column == "hash" ? Data(repeating: 1, count: 32) : "forged"
        try await tamper("UPDATE audit_log SET \(column) = ? WHERE seq = 3", [value])
        #expect(try await log.verify(pageSize: 2).problem == .edited(sequence: 3))
    }

    @Test func anEditedAndResealedRowIsFoundAtTheRowAfterIt() async throws {
        let rows = try await store.auditRecords(after: 0, limit: 10)
        var entry = rows[2].entry
        entry.subject = "someone-else"
        let resealed = AuditLog.seal(previousHash: rows[2].previousHash, sequence: 3, entry: entry)
        try await tamper("UPDATE audit_log SET subject = ?, hash = ? WHERE seq = 3", ["someone-else", Data(resealed)])
        #expect(try await log.verify().problem == .edited(sequence: 3))
    }

    @Test func aDeletedRowIsFound() async throws {
        try await tamper("DELETE FROM audit_log WHERE seq = 2")
        #expect(try await log.verify(pageSize: 3).problem == .deleted(first: 2, last: 2))
        try await tamper("DELETE FROM audit_log WHERE seq = 1")
        #expect(try await log.verify().problem == .deleted(first: 1, last: 2))
    }

    @Test func anInsertedRowIsFound() async throws {
        let forged = AuditEntry(time: FixedClock().now(), actor: "cli", action: .keyCreated, subject: "key_forged")
        let hash = AuditLog.seal(previousHash: auditGenesisHash, sequence: 6, entry: forged)
        try await tamper(
            "INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, hash) VALUES (6, ?, 'cli', 'key.create', 'key_forged', ?, ?)",
            [forged.time.millisecondsSinceEpoch, Data(auditGenesisHash), Data(hash)])
        #expect(try await log.verify().problem == .inserted(sequence: 6))
    }

    @Test func configurationIsRecordedOnlyWhenItChanges() async throws {
        #expect(try await log.recordConfiguration("rate=off", actor: "cli"))
        #expect(try await !log.recordConfiguration("rate=off", actor: "cli"))
        #expect(try await log.recordConfiguration("rate=100", actor: "cli"))
        #expect(try await store.latestAudit(.configurationChanged)?.entry.detail == "rate=100")
        #expect(try await log.verify().isIntact)
    }

    @Test func theCanonicalContentSeparatesFieldsAndAbsentValues() {
        let time = Timestamp(millisecondsSinceEpoch: 0)
        let a = AuditEntry(time: time, actor: "ab", action: .keyCreated, subject: "c")
        let b = AuditEntry(time: time, actor: "a", action: .keyCreated, subject: "bc")
        let empty = AuditEntry(time: time, actor: "a", action: .keyCreated, subject: "")
        let absent = AuditEntry(time: time, actor: "a", action: .keyCreated, subject: nil)
        #expect(a.canonicalContent(sequence: 1) != b.canonicalContent(sequence: 1))
        #expect(empty.canonicalContent(sequence: 1) != absent.canonicalContent(sequence: 1))
        #expect(a.canonicalContent(sequence: 1) != a.canonicalContent(sequence: 2))
    }

    /// Rows cut off the end leave a valid chain; a head kept from before finds them.
    @Test func rowsCutOffTheEndAreFoundAgainstAKeptHead() async throws {
        let kept = try await log.verify().head
        #expect(kept.sequence == 5)
        try await tamper("DELETE FROM audit_log WHERE seq >= 4")
        #expect(try await log.verify().isIntact, "the shorter chain is valid on its own")
        let found = try await log.verify(pageSize: 2, kept: kept)
        #expect(found.problem == .deleted(first: 4, last: 5))
        #expect(found.problem?.description == "rows 4 to 5 were deleted")
        try await tamper("DELETE FROM audit_log")
        #expect(try await log.verify(kept: kept).problem == .deleted(first: 1, last: 5))
    }

    /// A chain rewritten from some row on and sealed again verifies; the kept head's hash is gone.
    @Test func aResealedRewriteIsFoundAgainstAKeptHead() async throws {
        let kept = try await log.verify().head
        let rows = try await store.auditRecords(after: 0, limit: 10)
        var previous = rows[1].hash
        for row in rows[2...] {
            var entry = row.entry
            if row.sequence == 3 { entry.subject = "someone-else" }
            let hash = AuditLog.seal(previousHash: previous, sequence: row.sequence, entry: entry)
            try await tamper(
                "UPDATE audit_log SET subject = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                [entry.subject, Data(previous), Data(hash), row.sequence])
            previous = hash
        }
        #expect(try await log.verify().isIntact, "the rewritten chain is valid on its own")
        #expect(try await log.verify(kept: kept).problem == .rewritten(sequence: 5))
        // A head from before the rewritten rows still matches.
        #expect(try await log.verify(kept: AuditHead(sequence: 2, hash: rows[1].hash)).isIntact)
    }

    @Test func aKeptHeadStaysValidAsTheLogGrows() async throws {
        let kept = try await log.verify().head
        try await log.record(.profileRead, actor: "key_6", workspace: .default, subject: "user-6")
        let result = try await log.verify(kept: kept)
        #expect(result.isIntact)
        #expect(result.headSequence == 6)
        #expect(try await log.verify(kept: AuditHead(sequence: 0, hash: auditGenesisHash)).isIntact)
        #expect(try await log.verify(kept: AuditHead(sequence: 0, hash: [UInt8](repeating: 1, count: 32))).problem
            == .rewritten(sequence: 0))
    }

    @Test func aHeadIsParsedAsPrintedAndAnythingElseIsRefused() throws {
        let hex = String(repeating: "0a", count: 32)
        let head = try AuditHead(parsing: "12:\(hex.uppercased())", field: "--expect-head")
        #expect(head == AuditHead(sequence: 12, hash: [UInt8](repeating: 10, count: 32)))
        #expect(try AuditHead(parsing: "12 \(hex)", field: "h") == head)
        for bad in ["", "12", "12:", ":\(hex)", "-1:\(hex)", "x:\(hex)", "12:\(hex.dropLast())", "12:\(hex)00", "12:\(hex.dropLast())g",
                    "1:2:\(hex)"] {
            #expect(throws: AttuneError.self, "\(bad)") { try AuditHead(parsing: bad, field: "--expect-head") }
        }
    }
}
