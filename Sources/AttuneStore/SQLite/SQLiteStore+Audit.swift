import AttuneCore
import Foundation
import GRDB

extension SQLiteStore: AuditStore {
    package func appendAudit(
        _ entry: AuditEntry, seal: @escaping @Sendable (_ previousHash: [UInt8], _ sequence: Int64) -> [UInt8]
    ) async throws -> AuditRecord {
        try await writer.write { db in
            // Reading the last row and inserting after it in one write transaction keeps the
            // chain linear however many processes append.
            // Prepared once per connection: every profile read appends a row.
            let last = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
            let lastSequence: Int64 = last?["seq"] ?? 0
            let sequence = lastSequence + 1
            let lastHash: Data? = last?["hash"]
            let previous = lastHash.map { Array($0) } ?? auditGenesisHash
            let hash = seal(previous, sequence)
            try db.cachedStatement(
                sql: """
                    INSERT INTO audit_log (seq, at, actor, action, workspace, subject, detail, prev_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [sequence, entry.time.millisecondsSinceEpoch, entry.actor, entry.action.rawValue,
                            entry.workspace?.rawValue, entry.subject, entry.detail, Data(previous), Data(hash)])
            return AuditRecord(sequence: sequence, entry: entry, previousHash: previous, hash: hash)
        }
    }

    package func appendAudits(
        _ entries: [AuditEntry],
        seal: @escaping @Sendable (_ previousHash: [UInt8], _ sequence: Int64, _ entry: AuditEntry) -> [UInt8]
    ) async throws {
        if entries.isEmpty { return }
        try await writer.write { db in
            let last = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
            var sequence: Int64 = last?["seq"] ?? 0
            let lastHash: Data? = last?["hash"]
            var previous = lastHash.map { Array($0) } ?? auditGenesisHash
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO audit_log (seq, at, actor, action, workspace, subject, detail, prev_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for entry in entries {
                sequence += 1
                let hash = seal(previous, sequence, entry)
                try insert.execute(
                    arguments: [sequence, entry.time.millisecondsSinceEpoch, entry.actor, entry.action.rawValue,
                                entry.workspace?.rawValue, entry.subject, entry.detail, Data(previous), Data(hash)])
                previous = hash
            }
        }
    }

    package func auditRecords(after sequence: Int64, limit: Int) async throws -> [AuditRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [sequence, limit]
            ).map(Self.auditRecord)
        }
    }

    package func latestAudit(_ action: AuditAction) async throws -> AuditRecord? {
        try await writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1", arguments: [action.rawValue]
            ).map(Self.auditRecord)
        }
    }

    private static func auditRecord(_ row: Row) -> AuditRecord {
        let workspace: String? = row["workspace"]
        let previous: Data = row["prev_hash"]
        let hash: Data = row["hash"]
        return AuditRecord(
            sequence: row["seq"],
            entry: AuditEntry(
                time: Timestamp(millisecondsSinceEpoch: row["at"]), actor: row["actor"], action: AuditAction(row["action"]),
                workspace: workspace.map(WorkspaceID.init(unchecked:)), subject: row["subject"], detail: row["detail"]),
            previousHash: Array(previous), hash: Array(hash))
    }
}
