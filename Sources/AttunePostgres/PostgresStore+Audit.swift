import AttuneCore
import AttuneStore
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore: AuditStore {
    /// Appends hold one database-wide lock from reading the last row to COMMIT, so the chain is
    /// linear however many processes append, and sequence order is commit order: the next
    /// number is the last committed one plus one, with no gap (the verifier reads a gap as
    /// deleted rows), and a reader paging with `after` never passes a row that commits later
    /// with a smaller number.
    ///
    /// Not idempotent: a replay after a lost COMMIT answer would append the row twice.
    package func appendAudit(
        _ entry: AuditEntry, seal: @escaping @Sendable (_ previousHash: [UInt8], _ sequence: Int64) -> [UInt8]
    ) async throws -> AuditRecord {
        try Self.refuseNUL(in: entry, field: "entry")
        return try await transaction("append audit row", idempotent: false) { connection, logger in
            let (lastSequence, previous) = try await Self.lockedAuditHead(connection, logger)
            let sequence = lastSequence + 1
            let hash = seal(previous, sequence)
            try await connection.query(
                """
                INSERT INTO audit_log (seq, at, actor, action, workspace, subject, detail, prev_hash, hash)
                VALUES (\(sequence), \(entry.time.millisecondsSinceEpoch), \(entry.actor), \(entry.action.rawValue),
                        \(entry.workspace?.rawValue), \(entry.subject), \(entry.detail), \(ByteBuffer(bytes: previous)),
                        \(ByteBuffer(bytes: hash)))
                """, logger: logger)
            return AuditRecord(sequence: sequence, entry: entry, previousHash: previous, hash: hash)
        }
    }

    /// The rows are sealed in Swift, one after another from the locked head, then inserted by
    /// one statement (one array per column, spread by `unnest`).
    package func appendAudits(
        _ entries: [AuditEntry],
        seal: @escaping @Sendable (_ previousHash: [UInt8], _ sequence: Int64, _ entry: AuditEntry) -> [UInt8]
    ) async throws {
        if entries.isEmpty { return }
        for (index, entry) in entries.enumerated() { try Self.refuseNUL(in: entry, field: "entries[\(index)]") }
        try await transaction("append audit rows", idempotent: false) { connection, logger in
            let (lastSequence, first) = try await Self.lockedAuditHead(connection, logger)
            var columns = AuditColumns(capacity: entries.count)
            var previous = first
            var sequence = lastSequence
            for entry in entries {
                sequence += 1
                let hash = seal(previous, sequence, entry)
                columns.append(entry, sequence: sequence, previous: previous, hash: hash)
                previous = hash
            }
            try await connection.query(
                """
                INSERT INTO audit_log (seq, at, actor, action, workspace, subject, detail, prev_hash, hash)
                SELECT * FROM unnest(
                    \(columns.sequences)::int8[], \(columns.times)::int8[], \(columns.actors)::text[], \(columns.actions)::text[],
                    \(columns.workspaces)::text[], \(columns.subjects)::text[], \(columns.details)::text[],
                    \(columns.previousHashes)::bytea[], \(columns.hashes)::bytea[])
                """, logger: logger)
        }
    }

    package func auditRecords(after sequence: Int64, limit: Int) async throws -> [AuditRecord] {
        try await read("read audit rows") { connection, logger in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.auditColumns) FROM audit_log WHERE seq > \(sequence)
                ORDER BY seq LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            return try await Self.auditRecords(rows)
        }
    }

    package func latestAudit(_ action: AuditAction) async throws -> AuditRecord? {
        guard !action.rawValue.utf8.contains(0) else { return nil }
        return try await read("read latest audit row") { connection, logger in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.auditColumns) FROM audit_log WHERE action = \(action.rawValue)
                ORDER BY seq DESC LIMIT 1
                """, logger: logger)
            return try await Self.auditRecords(rows).first
        }
    }

    /// Takes the chain's lock, then reads the last row: two statements, because a statement
    /// reads the rows committed when it began, and the lock may be granted only after the
    /// previous holder's row has committed.
    private static func lockedAuditHead(
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> (sequence: Int64, hash: [UInt8]) {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(\(AdvisoryLock.namespace), \(AdvisoryLock.auditChain))", logger: logger)
        let rows = try await connection.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", logger: logger)
        var head: (sequence: Int64, hash: [UInt8]) = (0, auditGenesisHash)
        for try await (seq, hash) in rows.decode((Int64, ByteBuffer).self) { head = (seq, Array(hash.readableBytesView)) }
        return head
    }

    private static let auditColumns = "seq, at, actor, action, workspace, subject, detail, prev_hash, hash"

    private static func auditRecords(_ rows: PostgresRowSequence) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        let decoded = rows.decode((Int64, Int64, String, String, String?, String?, String?, ByteBuffer, ByteBuffer).self)
        for try await (seq, at, actor, action, workspace, subject, detail, previous, hash) in decoded {
            records.append(AuditRecord(
                sequence: seq,
                entry: AuditEntry(
                    time: Timestamp(millisecondsSinceEpoch: at), actor: actor, action: AuditAction(action),
                    workspace: workspace.map(WorkspaceID.init(unchecked:)), subject: subject, detail: detail),
                previousHash: Array(previous.readableBytesView), hash: Array(hash.readableBytesView)))
        }
        return records
    }

    /// An entry PostgreSQL cannot store (text with NUL) is refused before the chain is touched.
    private static func refuseNUL(in entry: AuditEntry, field: String) throws(AttuneError) {
        try refuseNUL(entry.actor, field: "\(field).actor")
        try refuseNUL(entry.action.rawValue, field: "\(field).action")
        try refuseNUL(entry.workspace?.rawValue, field: "\(field).workspace")
        try refuseNUL(entry.subject, field: "\(field).subject")
        try refuseNUL(entry.detail, field: "\(field).detail")
    }
}

/// A batch of audit rows turned inside out: one array per column, the parameters of `unnest`.
private struct AuditColumns: Sendable {
    var sequences: [Int64] = []
    var times: [Int64] = []
    var actors: [String] = []
    var actions: [String] = []
    var workspaces = NullableTextArray(elements: [])
    var subjects = NullableTextArray(elements: [])
    var details = NullableTextArray(elements: [])
    var previousHashes: [ByteBuffer] = []
    var hashes: [ByteBuffer] = []

    init(capacity: Int) {
        sequences.reserveCapacity(capacity)
        times.reserveCapacity(capacity)
        actors.reserveCapacity(capacity)
        actions.reserveCapacity(capacity)
        previousHashes.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
    }

    mutating func append(_ entry: AuditEntry, sequence: Int64, previous: [UInt8], hash: [UInt8]) {
        sequences.append(sequence)
        times.append(entry.time.millisecondsSinceEpoch)
        actors.append(entry.actor)
        actions.append(entry.action.rawValue)
        workspaces.elements.append(entry.workspace?.rawValue)
        subjects.elements.append(entry.subject)
        details.elements.append(entry.detail)
        previousHashes.append(ByteBuffer(bytes: previous))
        hashes.append(ByteBuffer(bytes: hash))
    }
}
