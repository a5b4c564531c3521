import AttuneCore
import AttuneStore
import Crypto

/// The tamper-evident audit log: every row carries SHA-256(previous row's hash ‖ its own
/// canonical content), so editing, inserting or deleting a row breaks the chain from there on.
///
/// The chain is unkeyed: someone who can write the database and recompute every later hash can
/// rewrite history, and cutting rows off the end leaves a valid chain. `verify()` reports the
/// head (last sequence number and hash) so that an operator can keep it elsewhere and hand it to
/// a later `verify(kept:)`, which finds both.
package struct AuditLog: Sendable {
    /// The actor of changes made with the command-line tool.
    package static let commandLineActor = "cli"

    let store: any AuditStore
    let clock: any WallClock

    package init(store: any AuditStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Appends one row.
    /// - Parameters:
    ///   - action: what happened (`AuditAction.keyCreated`, or an action of a later feature).
    ///   - actor: an API key's id, or `AuditLog.commandLineActor`.
    ///   - subject: what it happened to (a key id; a user as `UserDigest.auditSubject`, never the id).
    ///   - detail: context that is never a secret (a scope, a configuration summary).
    /// - Throws: the store's error; callers that must not act unaudited fail with it.
    @discardableResult
    package func record(
        _ action: AuditAction, actor: String, workspace: WorkspaceID? = nil, subject: String? = nil, detail: String? = nil
    ) async throws -> AuditRecord {
        let entry = AuditEntry(
            time: clock.now(), actor: actor, action: action, workspace: workspace, subject: subject, detail: detail)
        return try await store.appendAudit(entry) { previous, sequence in
            Self.seal(previousHash: previous, sequence: sequence, entry: entry)
        }
    }

    /// Appends `entries` in order in one transaction, chained exactly as one `record` after
    /// another would chain them (`AuditWriter` flushes queued reads this way).
    package func record(entries: [AuditEntry]) async throws {
        try await store.appendAudits(entries) { previous, sequence, entry in
            Self.seal(previousHash: previous, sequence: sequence, entry: entry)
        }
    }

    /// Records a configuration change when `summary` differs from the last recorded one.
    /// - Returns: whether a row was written.
    @discardableResult
    package func recordConfiguration(_ summary: String, actor: String) async throws -> Bool {
        if try await store.latestAudit(.configurationChanged)?.entry.detail == summary { return false }
        try await record(.configurationChanged, actor: actor, detail: summary)
        return true
    }

    /// Recomputes the whole chain, a page at a time.
    /// - Parameter kept: a head from an earlier run, kept elsewhere: the log must still hold that
    ///   row with that hash (rows cut off the end, or a chain rewritten and sealed again, are found
    ///   only this way).
    package func verify(pageSize: Int = 1_000, kept: AuditHead? = nil) async throws -> AuditVerification {
        var verifier = AuditChainVerifier()
        var after: Int64 = 0
        var pending: AuditRecord?
        while true {
            let page = try await store.auditRecords(after: after, limit: pageSize)
            for record in page {
                // Each row is judged with the row after it in view (see `AuditChainVerifier`).
                if let previous = pending, let problem = verifier.check(previous, next: record) {
                    return verifier.result(problem)
                }
                pending = record
            }
            guard let last = page.last, page.count == pageSize else { break }
            after = last.sequence
        }
        if let previous = pending, let problem = verifier.check(previous, next: nil) {
            return verifier.result(problem)
        }
        let result = verifier.result(nil)
        guard let kept else { return result }
        if kept.sequence > result.headSequence {
            return verifier.result(.deleted(first: result.headSequence + 1, last: kept.sequence))
        }
        // The chain holds from the first row, without gaps: the kept row is there.
        let hash =
            kept.sequence == 0
            ? auditGenesisHash : try await store.auditRecords(after: kept.sequence - 1, limit: 1).first?.hash ?? []
        return constantTimeEqual(hash, kept.hash) ? result : verifier.result(.rewritten(sequence: kept.sequence))
    }

    /// SHA-256 over the previous hash and the row's canonical content.
    package static func seal(previousHash: [UInt8], sequence: Int64, entry: AuditEntry) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previousHash)
        hasher.update(data: entry.canonicalContent(sequence: sequence))
        return Array(hasher.finalize())
    }
}
