import AttuneCore

/// A profile as stored: the computed traits, how many times they changed, and when last.
package struct StoredProfile: Sendable, Equatable {
    package var traits: ProfileTraits
    package var version: Int
    package var updatedAt: Timestamp

    package init(traits: ProfileTraits, version: Int, updatedAt: Timestamp) {
        self.traits = traits
        self.version = version
        self.updatedAt = updatedAt
    }
}

/// Computed user profiles. Stores keep them current in the same transaction as the change:
/// an appended event counts for its user, or, when it carries only an anonymous id, for every
/// user that id is linked to; a new link (`identify`) refolds the user's profile with the
/// visitor's earlier events. ``ProfileOwnership`` states the rule once.
package protocol ProfileStore: Sendable {
    func profile(of user: UserID, in workspace: WorkspaceID) async throws -> StoredProfile?

    /// Profiles in user id order after `cursor`, at most `limit`.
    func profiles(in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws
        -> [(user: UserID, profile: StoredProfile)]

    /// Replaces these users' traits (a rebuild), bumping each version; in one transaction.
    func replaceProfiles(_ profiles: [(user: UserID, traits: ProfileTraits)], in workspace: WorkspaceID, at time: Timestamp)
        async throws

    /// The user's profile versions newest first, those below `version` (all when `nil`), at most
    /// `limit`; empty for an unknown user.
    func profileHistory(of user: UserID, in workspace: WorkspaceID, before version: Int?, limit: Int) async throws
        -> [ProfileVersion]
}

/// Which users' profiles an event belongs to: its user when it names one, else the users its
/// anonymous id is linked to. Streaming and rebuilding both follow this, so they agree.
package enum ProfileOwnership {
    package static func owners(of event: Event, linked: (AnonymousID) throws -> [String]) rethrows -> [String] {
        if let user = event.userID { return [user.rawValue] }
        if let anonymous = event.anonymousID { return try linked(anonymous) }
        return []
    }
}
