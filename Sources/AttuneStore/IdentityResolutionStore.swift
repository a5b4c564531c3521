import AttuneCore

/// An identifier as stored: e-mail and phone values are keyed hashes, external ids as given.
package struct StoredIdentifier: Sendable, Equatable {
    package var user: UserID
    package var kind: IdentifierKind
    package var value: String
    package var source: String
    package var firstSeen: Timestamp

    package init(user: UserID, kind: IdentifierKind, value: String, source: String, firstSeen: Timestamp) {
        self.user = user
        self.kind = kind
        self.value = value
        self.source = source
        self.firstSeen = firstSeen
    }
}

/// One merge of two users: `merged` (with everyone merged into it before) became part of
/// `canonical`. `reason` is the identifier kind that linked them (`email`, `phone`,
/// `external:crm`) or `manual`.
package struct UserMerge: Sendable, Equatable {
    package var id: Int64
    package var canonical: UserID
    package var merged: UserID
    package var reason: String
    package var actor: String
    package var at: Timestamp
    package var undoneAt: Timestamp?
    package var undoneBy: String?

    package init(
        id: Int64, canonical: UserID, merged: UserID, reason: String, actor: String, at: Timestamp,
        undoneAt: Timestamp? = nil, undoneBy: String? = nil
    ) {
        self.id = id
        self.canonical = canonical
        self.merged = merged
        self.reason = reason
        self.actor = actor
        self.at = at
        self.undoneAt = undoneAt
        self.undoneBy = undoneBy
    }

    package static let manualReason = "manual"
}

/// The result of attaching identifiers or merging: the canonical user and the merges made
/// (none when everything was already one person).
package struct MergeOutcome: Sendable, Equatable {
    package var canonical: UserID
    package var merges: [UserMerge]
    /// Identifiers held by someone an unmerge keeps this person apart from: each stayed with its
    /// holder and joined nobody. A count only, so that no reply or report repeats the values.
    package var refusedIdentifiers: Int

    package init(canonical: UserID, merges: [UserMerge], refusedIdentifiers: Int = 0) {
        self.canonical = canonical
        self.merges = merges
        self.refusedIdentifiers = refusedIdentifiers
    }
}

/// Identifiers per user, the alias map of merged users and the merge history.
///
/// Each call is one transaction, so concurrent merges of overlapping users serialise: the later
/// one sees the earlier one's result. The canonical user of a merge is the member known first
/// (earliest of its first identifier, first declared trait and first event), ties broken by the
/// smaller id. Merging re-keys events, anonymous links and the profile to the canonical user;
/// every event remembers the user it arrived for, so that an unmerge can split it back.
package protocol IdentityResolutionStore: Sendable {
    /// Attaches identifiers to users, one `(user, identifiers)` at a time in order, merging every
    /// user already holding one of them into one person. An identifier already held stays with
    /// its holder. Idempotent: attaching what is already attached changes nothing. Values are as
    /// stored: the caller has hashed e-mail addresses and phone numbers already.
    /// - Returns: each input's canonical user and the merges it caused.
    func attach(
        _ batch: [(user: UserID, identifiers: [PersonIdentifier])], source: String, in workspace: WorkspaceID, actor: String, at time: Timestamp
    ) async throws -> [MergeOutcome]

    /// Merges `users` (two or more distinct, each known to the store) into one person.
    /// - Parameter canonical: the user to keep (one of `users`), or `nil` for the rule.
    /// - Throws: `AttuneError` `not_found` for an unknown user, `invalid_value` for a user named
    ///   twice, `conflict` when they are one person already. Nothing is changed then.
    func merge(_ users: [UserID], canonical: UserID?, in workspace: WorkspaceID, actor: String, at time: Timestamp)
        async throws -> MergeOutcome

    /// Undoes merge `id`, or without one, the merge that brought `user` in (an alias) or the last
    /// merge into `user` (a canonical user); the split-off users get their events, anonymous
    /// links, identifiers and declared traits back, and both profiles are recomputed.
    /// - Throws: `AttuneError` `not_found` (unknown user or merge), `conflict` (nothing to undo,
    ///   or the merge does not involve the user).
    func unmerge(_ user: UserID, merge id: Int64?, in workspace: WorkspaceID, actor: String, at time: Timestamp)
        async throws -> UserMerge

    /// The user `user` was merged into, or `user` itself.
    func canonicalUser(of user: UserID, in workspace: WorkspaceID) async throws -> UserID

    /// The users merged into `canonical`, in id order.
    func mergedUsers(into canonical: UserID, in workspace: WorkspaceID) async throws -> [UserID]

    /// The identifiers held by any of `users`, by kind and value.
    func identifiers(of users: [UserID], in workspace: WorkspaceID) async throws -> [StoredIdentifier]

    /// Every merge (undone ones too) whose canonical or merged user is one of `users`, oldest first.
    func merges(involving users: [UserID], in workspace: WorkspaceID) async throws -> [UserMerge]

    /// The "do not merge" pairs of any of `users`, each from the side of its member in `users`,
    /// ordered by user, then the other user.
    func mergeBlocks(involving users: [UserID], in workspace: WorkspaceID) async throws -> [MergeBlock]

    /// The source priority of declared attributes, most trusted first (empty: most recent wins).
    func sourcePriority(in workspace: WorkspaceID) async throws -> [String]

    /// Sets the source priority and resolves every merged profile's declared attributes again.
    func setSourcePriority(_ sources: [String], in workspace: WorkspaceID) async throws
}
