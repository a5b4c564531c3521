import AttuneCore

/// What re-evaluating memberships changed.
package struct MembershipChanges: Sendable, Equatable {
    package var evaluated = 0
    package var entered = 0
    package var left = 0

    package init(evaluated: Int = 0, entered: Int = 0, left: Int = 0) {
        self.evaluated = evaluated
        self.entered = entered
        self.left = left
    }
}

package enum SegmentLimits {
    /// Every profile change evaluates every rule segment of its workspace, so their number is bounded.
    package static let maxRuleSegments = 1_000
}

/// Segments and their members.
///
/// Rule segments are re-evaluated for a user in the same transaction that changes the user's
/// profile (appended events, declared traits, a new identity link); each change of membership is
/// a row in `segment_memberships` and a `segment_entered` / `segment_left` event. Rules that read
/// time (`within:`, `days_since`) also change as time passes: ``refreshSegments(in:at:)`` catches
/// those up for every user.
package protocol SegmentStore: Sendable {
    /// Stores a new rule segment; existing users are evaluated by a following refresh.
    /// - Throws: `AttuneError` `conflict` when the name is taken or the workspace already has the
    ///   most rule segments it may (1,000), `notFound` for the workspace.
    func createSegment(_ segment: Segment, in workspace: WorkspaceID) async throws

    /// How rules see a user's declared attributes: pseudonymised values are stored protected, and
    /// a process holding the keys passes the function that opens them, so that
    /// `attributes.email == "..."` compares the value, not its ciphertext. The opened values live
    /// only for the evaluation.
    func revealDeclaredValues(with reveal: @escaping @Sendable (JSONValue) -> JSONValue)

    /// Every segment, by name.
    func segments(in workspace: WorkspaceID) async throws -> [Segment]
    func segment(_ id: SegmentID, in workspace: WorkspaceID) async throws -> Segment?
    /// Removes a segment and its memberships; `false` when there was none.
    func deleteSegment(_ id: SegmentID, in workspace: WorkspaceID) async throws -> Bool

    /// Members in user id order after `cursor`, at most `limit`.
    func members(of id: SegmentID, in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws -> [UserID]
    func memberCount(of id: SegmentID, in workspace: WorkspaceID) async throws -> Int
    /// The segments a user is in, by id.
    func segments(of user: UserID, in workspace: WorkspaceID) async throws -> [SegmentID]

    /// Re-evaluates every user (with a profile or declared traits) against the rule segments at
    /// `time`, `batchSize` users per transaction.
    func refreshSegments(in workspace: WorkspaceID, at time: Timestamp, batchSize: Int) async throws -> MembershipChanges

    /// Replaces all learned segments and their members in one transaction. A member whose
    /// `digest` is among the workspace's erased users (``PersonalDataStore/erasedUserDigests(in:)``,
    /// read in that transaction) is left out: a person erased while the clustering ran is not
    /// added back (an erasure committed later deletes the memberships itself).
    /// - Parameter digest: the digest erasures record (`UserDigest.of`), as for ``PersonalDataStore/erasePerson(_:digest:in:at:)``.
    func replaceLearnedSegments(
        _ segments: [(segment: Segment, members: [UserID])], in workspace: WorkspaceID,
        digest: (UserID) -> [UInt8]) async throws
}
