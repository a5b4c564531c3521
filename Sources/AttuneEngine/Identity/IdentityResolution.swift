import AttuneCore
import AttuneStore

/// Cross-source identity resolution: identifiers in, one canonical profile per person out.
///
/// E-mail addresses and phone numbers are stored only as the keyed hash of their normalised form
/// (the matching key of ``PIIKeys``, so the hash equals the token of a pseudonymised `email` or
/// `phone` trait); external ids as given. Every merge and unmerge is written to the audit log
/// with the users as digests. The store holds the rules (see ``IdentityResolutionStore``).
package struct IdentityResolution: Sendable {
    let store: any IdentityResolutionStore & AuditStore
    let clock: any WallClock
    let hashing: PIIProtection

    package init(store: any IdentityResolutionStore & AuditStore, clock: any WallClock, keys: PIIKeys) {
        self.store = store
        self.clock = clock
        self.hashing = PIIProtection(keys: keys)
    }

    /// The value stored for `identifier`: a keyed hash for e-mail and phone, else the id itself.
    package func storedValue(_ identifier: PersonIdentifier) -> String {
        switch identifier.kind {
        case .email: hashing.token(identifier.value, field: "email")
        case .phone: hashing.token(identifier.value, field: "phone")
        default: identifier.value
        }
    }

    /// Attaches identifiers to users and merges everyone who shares one (transitively).
    /// - Returns: each user's canonical user and the merges made.
    /// - Throws: the store's error (nothing of the failing call is kept) or the audit log's.
    @discardableResult
    package func attach(
        _ batch: [(user: UserID, identifiers: [PersonIdentifier])], source: String, in workspace: WorkspaceID,
        actor: String
    ) async throws -> [MergeOutcome] {
        let hashed = batch.filter { !$0.identifiers.isEmpty }.map { entry in
            (user: entry.user, identifiers: entry.identifiers.map { PersonIdentifier(kind: $0.kind, value: storedValue($0)) })
        }
        guard !hashed.isEmpty else { return [] }
        let outcomes = try await store.attach(hashed, source: source, in: workspace, actor: actor, at: clock.now())
        for outcome in outcomes { try await audit(outcome.merges, .usersMerged, in: workspace, actor: actor) }
        return outcomes
    }

    /// A manual merge (`POST /v1/users/merge`).
    package func merge(_ users: [UserID], canonical: UserID?, in workspace: WorkspaceID, actor: String) async throws
        -> MergeOutcome
    {
        let outcome = try await store.merge(users, canonical: canonical, in: workspace, actor: actor, at: clock.now())
        try await audit(outcome.merges, .usersMerged, in: workspace, actor: actor)
        return outcome
    }

    /// Undoes a merge (`POST /v1/users/{id}/unmerge`).
    package func unmerge(_ user: UserID, merge: Int64?, in workspace: WorkspaceID, actor: String) async throws -> UserMerge {
        let undone = try await store.unmerge(user, merge: merge, in: workspace, actor: actor, at: clock.now())
        try await audit([undone], .usersUnmerged, in: workspace, actor: actor)
        return undone
    }

    private func audit(_ merges: [UserMerge], _ action: AuditAction, in workspace: WorkspaceID, actor: String) async throws {
        let log = AuditLog(store: store, clock: clock)
        for merge in merges {
            try await log.record(
                action, actor: actor, workspace: workspace, subject: UserDigest.auditSubject(merge.canonical),
                detail: "merge=\(merge.id) merged=\(UserDigest.auditSubject(merge.merged)) reason=\(merge.reason)")
        }
    }
}
