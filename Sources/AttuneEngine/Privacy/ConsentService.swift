import AttuneCore
import AttuneStore

/// Changes and reads of consent. A change is stored (the store removes what personalization may
/// no longer use in the same transaction), takes the person's vector out of the served model when
/// personalization ends, and is audited under the user id's digest. The server, the tracker's
/// calls and `attune import consent` all come here.
package struct ConsentService: Sendable {
    let store: any ConsentStore & AuditStore
    let clock: any WallClock
    /// Where the served model lives (the server); `nil` in the command-line tool, whose changes a
    /// server sees through the store's consent checks on serving.
    let registry: ModelRegistry?

    package init(store: any ConsentStore & AuditStore, clock: any WallClock, registry: ModelRegistry?) {
        self.store = store
        self.clock = clock
        self.registry = registry
    }

    /// Applies one person's change. - Returns: the record after it.
    package func update(_ update: ConsentUpdate, of user: UserID, in workspace: WorkspaceID, actor: String) async throws
        -> ConsentRecord
    {
        try await updateAll([(user, update)], in: workspace, actor: actor)[0]
    }

    /// Applies several people's changes in one transaction, then audits each.
    package func updateAll(_ updates: [(user: UserID, update: ConsentUpdate)], in workspace: WorkspaceID, actor: String)
        async throws -> [ConsentRecord]
    {
        guard !updates.isEmpty else { return [] }
        let records = try await store.recordConsent(updates, in: workspace, at: clock.now())
        let policy = try store.consentDefault()
        let audit = AuditLog(store: store, clock: clock)
        for ((user, update), record) in zip(updates, records) {
            if !record.choices.permits(.personalization, under: policy) {
                registry?.dropServedUser(user, in: workspace)
            }
            try await audit.record(
                .consentChanged, actor: actor, workspace: workspace, subject: UserDigest.auditSubject(user),
                detail: Self.auditDetail(update))
        }
        return records
    }

    /// The person's record with history (`nil` when they never decided) and the policy.
    package func record(of user: UserID, in workspace: WorkspaceID) async throws -> (ConsentRecord?, ConsentDefault) {
        (try await store.consent(of: user, in: workspace), try store.consentDefault())
    }

    /// The policy for undecided purposes.
    package func policy() throws -> ConsentDefault { try store.consentDefault() }

    /// Stores the policy for undecided purposes, audited when it changes.
    /// - Returns: whether it changed.
    @discardableResult
    package func setDefault(_ policy: ConsentDefault, actor: String) async throws -> Bool {
        guard try await store.setConsentDefault(policy) else { return false }
        try await AuditLog(store: store, clock: clock).record(.consentDefaultChanged, actor: actor, detail: policy.rawValue)
        return true
    }

    /// `analytics=false personalization=true source=tracker`: the decided purposes only.
    static func auditDetail(_ update: ConsentUpdate) -> String {
        var parts: [String] = []
        for purpose in ConsentPurpose.allCases {
            if let granted = update.choices[purpose] { parts.append("\(purpose.rawValue)=\(granted)") }
        }
        parts.append("source=\(update.source)")
        return parts.joined(separator: " ")
    }
}
