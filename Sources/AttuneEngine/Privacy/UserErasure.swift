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
    /// Where model versions are published (PostgreSQL): they are redacted there too, so that no
    /// replica copies the erased ids back. `nil` on a shared data directory.
    let publisher: (any ModelPublisher)?

    package init(
        store: any PersonalDataStore & AuditStore, clock: any WallClock, registry: ModelRegistry?, files: ModelFiles,
        publisher: (any ModelPublisher)? = nil
    ) {
        self.store = store
        self.clock = clock
        self.registry = registry
        self.files = files
        self.publisher = publisher
    }

    /// - Returns: the receipt, or `nil` when nothing is held about the user (nothing is written).
    /// - Throws: the store's error; a failure after the rows are deleted (a model file, the audit
    ///   row) is thrown too, and erasing again finishes the job: the snapshots are redacted by the
    ///   digests the store keeps of every erased id, so the retry finds every member of the person
    ///   although their rows and aliases are gone, and answers with a receipt of no rows.
    package func erase(_ user: UserID, in workspace: WorkspaceID, actor: String) async throws -> ErasureReceipt? {
        let digest = UserDigest.of(user)
        let time = clock.now()
        // A merged person is erased whole, whichever of their ids is named, in one transaction: a
        // failure half-way must not leave some of the person's ids erased and others held.
        let person = try await store.erasePerson(user, digest: { UserDigest.of($0) }, in: workspace, at: time)
        // Best effort: a checkpoint waits for readers, and the periodic one finishes the job later.
        if person != nil { try? await store.checkpoint() }
        // Every erased id, not only this person's: an earlier erasure that died before its
        // redaction is finished here too. The named id is included even when nothing was held.
        let digests = try await store.erasedUserDigests(in: workspace).union([digest])
        let local = try await ModelTraining.offTheCooperativePool { [registry, files] in
            if let registry { return try registry.redact(erased: digests, in: workspace) }
            return try files.redact(erased: digests, in: workspace)
        }
        // The local files are copies of published versions: the larger count, not the sum.
        let snapshots = max(local, try await publisher?.redact(erased: digests, in: workspace) ?? 0)
        guard person != nil || snapshots > 0 else { return nil }
        let receipt = ErasureReceipt(
            receiptID: EventID.random().uuidString, userDigest: UserDigest.hex(digest),
            workspace: workspace, erasedAt: time, counts: person?.counts ?? ErasureCounts(), modelSnapshots: snapshots)
        try await AuditLog(store: store, clock: clock).record(
            .userErased, actor: actor, workspace: workspace, subject: "sha256:" + receipt.userDigest,
            detail: receipt.auditDetail)
        return receipt
    }
}
