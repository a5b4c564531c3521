import AttuneCore

/// The append-only audit log. The store orders and links rows; the engine supplies the hash
/// (`seal`), so that storage needs no cryptography of its own.
package protocol AuditStore: Sendable {
    /// Appends `entry` after the last row, in one transaction with reading that row.
    /// - Parameter seal: the row's hash from the previous row's hash (32 zero bytes for the
    ///   first row) and the new row's sequence number.
    func appendAudit(
        _ entry: AuditEntry, seal: @escaping @Sendable (_ previousHash: [UInt8], _ sequence: Int64) -> [UInt8]
    ) async throws -> AuditRecord

    /// Appends `entries` after the last row, in order, in one transaction.
    /// - Parameter seal: an entry's hash from the previous row's hash and its sequence number.
    func appendAudits(
        _ entries: [AuditEntry],
        seal: @escaping @Sendable (_ previousHash: [UInt8], _ sequence: Int64, _ entry: AuditEntry) -> [UInt8]
    ) async throws

    /// Up to `limit` rows with a sequence number above `sequence`, in order.
    func auditRecords(after sequence: Int64, limit: Int) async throws -> [AuditRecord]

    /// The newest row of `action`, if any.
    func latestAudit(_ action: AuditAction) async throws -> AuditRecord?
}

/// The previous hash of the log's first row.
package let auditGenesisHash = [UInt8](repeating: 0, count: 32)
