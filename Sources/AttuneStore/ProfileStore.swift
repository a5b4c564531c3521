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

/// Computed user profiles. Stores keep them current as events are appended, in the same
/// transaction (``EventStore/append(_:)``), for events that carry a user id.
package protocol ProfileStore: Sendable {
    func profile(of user: UserID, in workspace: WorkspaceID) async throws -> StoredProfile?

    /// Profiles in user id order after `cursor`, at most `limit`.
    func profiles(in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws
        -> [(user: UserID, profile: StoredProfile)]

    /// Replaces these users' traits (a rebuild), bumping each version; in one transaction.
    func replaceProfiles(_ profiles: [(user: UserID, traits: ProfileTraits)], in workspace: WorkspaceID, at time: Timestamp)
        async throws
}
