import AttuneCore

/// Consent per person and purpose, with its history, and the policy for undecided purposes.
///
/// The store enforces it where data is written: events of a person without analytics consent
/// are counted, not stored; without personalization consent their events fold into no profile
/// and they are in no segment. Decisions are kept in memory as well, so that checking them on
/// the serving and ingestion paths reads no database; writes by another process are picked up
/// within a second (and at once by the next event append).
package protocol ConsentStore: Sendable {
    /// The policy for purposes a person has not decided on (opt-out for a new database).
    func consentDefault() throws -> ConsentDefault
    /// Stores the policy. - Returns: whether it changed.
    func setConsentDefault(_ policy: ConsentDefault) async throws -> Bool

    /// Applies `update` to the person's decisions and appends it to their history, in one
    /// transaction. When personalization ends by it, their computed profile and their segment
    /// memberships go in the same transaction; when it starts, the profile is folded from their
    /// stored events and their segments evaluated.
    /// Several people's updates are one transaction (an import).
    /// - Returns: each record after its change, without history, in order.
    /// - Throws: `AttuneError` `notFound` for an unknown workspace.
    func recordConsent(_ updates: [(user: UserID, update: ConsentUpdate)], in workspace: WorkspaceID, at time: Timestamp)
        async throws -> [ConsentRecord]

    /// The person's record with its history, or `nil` when they never decided anything.
    func consent(of user: UserID, in workspace: WorkspaceID) async throws -> ConsentRecord?

    /// Whether `purpose` is allowed for the person (a user id, or the anonymous id of events sent
    /// without one), from memory.
    func consentPermits(_ purpose: ConsentPurpose, for subject: String, in workspace: WorkspaceID) throws -> Bool

    /// Every decision of the workspace with the policy, for batch work (training).
    func consentSnapshot(in workspace: WorkspaceID) async throws -> ConsentSnapshot
}

/// The decisions of one workspace at one moment.
package struct ConsentSnapshot: Sendable {
    package var policy: ConsentDefault
    package var choices: [String: ConsentChoices]

    package init(policy: ConsentDefault, choices: [String: ConsentChoices]) {
        self.policy = policy
        self.choices = choices
    }

    package func permits(_ purpose: ConsentPurpose, for subject: String) -> Bool {
        guard let decided = choices[subject] else { return policy.allows }
        return decided.permits(purpose, under: policy)
    }
}
