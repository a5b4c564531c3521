import AttuneCore
import AttuneStore

/// Erases a person from a workspace: the store's rows of every id merged into the same person (``PersonalDataStore/erasePerson``), the
/// user's id in the served model and in every stored snapshot, then an audit row naming them by
/// digest. The server and `attune users erase` both come here.
package struct UserErasure: Sendable {
    let store: any PersonalDataStore & AuditStore
    let clock: any WallClock
    /// Where the served model lives (the server); `nil` in the command-line tool.
    let registry: ModelRegistry?
    let files: ModelFiles

    package init(store: any PersonalDataStore & AuditStore, clock: any WallClock, registry: ModelRegistry?, files: ModelFiles) {
        self.store = store
        self.clock = clock
        self.registry = registry
        self.files = files
    }

    /// - Returns: the receipt, or `nil` when nothing is held about the user (nothing is written).
    /// - Throws: the store's error; a failure after the rows are deleted (a model file, the audit
    ///   row) is thrown too, and erasing again finishes the job.
    package func erase(_ user: UserID, in workspace: WorkspaceID, actor: String) async throws -> ErasureReceipt? {
        let digest = UserDigest.of(user)
        let time = clock.now()
        // A merged person is erased whole, whichever of their ids is named, in one transaction: a
        // failure half-way must not leave some of the person's ids erased and others held.
        guard let person = try await store.erasePerson(user, digest: { UserDigest.of($0) }, in: workspace, at: time)
        else { return nil }
        let members = person.members
        let counts = person.counts
        // Best effort: a checkpoint waits for readers, and the periodic one finishes the job later.
        try? await store.checkpoint()
        var snapshots = 0
        for member in members {
            if let registry {
                snapshots = max(snapshots, try registry.redact(user: member, in: workspace))
            } else {
                snapshots = max(snapshots, try files.redact(user: member, in: workspace))
            }
        }
        let receipt = ErasureReceipt(
            receiptID: EventID.random().uuidString, userDigest: UserDigest.hex(digest),
            workspace: workspace, erasedAt: time, counts: counts, modelSnapshots: snapshots)
        try await AuditLog(store: store, clock: clock).record(
            .userErased, actor: actor, workspace: workspace, subject: "sha256:" + receipt.userDigest,
            detail: receipt.auditDetail)
        return receipt
    }
}
