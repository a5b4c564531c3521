import AttuneCore

/// Everything `GET /v1/users/{id}` shows of a person, read in one transaction so that the parts
/// agree with each other (a merge committed half-way through cannot split the answer).
package struct ProfileView: Sendable {
    /// The person's canonical user (the id asked for, or the one it was merged into).
    package var user: UserID
    package var stored: StoredProfile?
    /// The resolved declared traits as stored (possibly pseudonymised JSON text).
    package var declared: String?
    package var imputations: [StoredImputation]
    /// The labels of the user's latest items, oldest first; items the catalogue lacks are left out.
    package var recentLabels: [(categories: [String], tags: [String])]
    /// The user's mentioned targets (at most the number asked for, in target order).
    package var mentions: [MentionSummary]
    /// Catalogue entries of the items among `mentions` that were spoken of favourably.
    package var mentionedItems: [ItemID: Item]
    /// The users merged into ``user``, in id order.
    package var merged: [UserID]
    package var identifiers: [StoredIdentifier]
    package var merges: [UserMerge]
    /// The "do not merge" pairs of the person's ids.
    package var mergeBlocks: [MergeBlock]

    package init(
        user: UserID, stored: StoredProfile?, declared: String?, imputations: [StoredImputation],
        recentLabels: [(categories: [String], tags: [String])], mentions: [MentionSummary],
        mentionedItems: [ItemID: Item], merged: [UserID], identifiers: [StoredIdentifier], merges: [UserMerge],
        mergeBlocks: [MergeBlock] = []
    ) {
        self.user = user
        self.stored = stored
        self.declared = declared
        self.imputations = imputations
        self.recentLabels = recentLabels
        self.mentions = mentions
        self.mentionedItems = mentionedItems
        self.merged = merged
        self.identifiers = identifiers
        self.merges = merges
        self.mergeBlocks = mergeBlocks
    }
}

/// The profile page of one person in a single read.
package protocol ProfileViewStore: Sendable {
    /// The profile view of `user` (resolved to its canonical user), or `nil` when the person has
    /// neither a computed profile nor declared traits.
    /// - Parameters:
    ///   - recentItems: how many of the latest item events feed ``ProfileView/recentLabels``.
    ///   - mentionTargets: how many mentioned targets to read.
    func profileView(of user: UserID, in workspace: WorkspaceID, recentItems: Int, mentionTargets: Int) async throws
        -> ProfileView?
}
