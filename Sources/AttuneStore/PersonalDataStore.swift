import AttuneCore

/// How many rows of each kind an erasure removed.
package struct ErasureCounts: Sendable, Equatable {
    package var events = 0
    package var profiles = 0
    /// Rows of the profile's version history.
    package var profileVersions = 0
    package var declaredTraits = 0
    package var identityLinks = 0
    package var segmentMemberships = 0
    package var exposures = 0
    /// Activity summaries (first/last seen) kept per user and per anonymous id.
    package var activitySummaries = 0
    /// Customer texts (their mentions go with them).
    package var texts = 0
    /// Consent decisions and their history rows.
    package var consentRecords = 0
    /// Identifiers, alias entries and merge history rows.
    package var identityRecords = 0

    package init() {}

    /// The sum of both counts (a merged person's ids are counted one at a time).
    package func adding(_ other: ErasureCounts) -> ErasureCounts {
        var sum = self
        sum.events += other.events
        sum.profiles += other.profiles
        sum.profileVersions += other.profileVersions
        sum.declaredTraits += other.declaredTraits
        sum.identityLinks += other.identityLinks
        sum.segmentMemberships += other.segmentMemberships
        sum.exposures += other.exposures
        sum.activitySummaries += other.activitySummaries
        sum.texts += other.texts
        sum.consentRecords += other.consentRecords
        sum.identityRecords += other.identityRecords
        return sum
    }

    /// Whether the store held anything about the person at all.
    package var isEmpty: Bool {
        events + profiles + profileVersions + declaredTraits + identityLinks + segmentMemberships + exposures
            + activitySummaries + texts + consentRecords + identityRecords == 0
    }
}

/// What ``PersonalDataStore/erasePerson(_:digest:in:at:)`` removed.
package struct ErasedPerson: Sendable, Equatable {
    /// The canonical user first, then the ids merged into it.
    package var members: [UserID]
    /// The sum over every member.
    package var counts: ErasureCounts

    package init(members: [UserID], counts: ErasureCounts) {
        self.members = members
        self.counts = counts
    }
}

/// The rights of the person: reading everything held about one user, erasing it, and the
/// retention limit on the event log.
package protocol PersonalDataStore: Sendable {
    /// Every first exposure of any of `units` (a user id and its anonymous ids), by experiment.
    func exposures(ofUnits units: [String], in workspace: WorkspaceID) async throws -> [Exposure]

    /// Deletes, in one transaction, everything held about the whole person `user` belongs to: its
    /// canonical user and every id merged into it, resolved inside the transaction. For each member:
    /// its events and those of every anonymous id linked to it, profile and history, declared and
    /// imputed traits, identifiers and alias/merge records, identity links (all links of those
    /// anonymous ids), segment memberships (without segment events: those would name the user
    /// again), experiment exposures, activity summaries, customer texts with their mentions and
    /// consent with its history; `digest(member)` is recorded as erased. A failure anywhere leaves
    /// every member's rows as they were.
    /// - Returns: the members and what was deleted, or `nil` when nothing was held about any of them
    ///   (nothing is recorded then).
    func erasePerson(
        _ user: UserID, digest: @escaping @Sendable (UserID) -> [UInt8], in workspace: WorkspaceID, at time: Timestamp
    ) async throws -> ErasedPerson?

    /// Moves the write-ahead log into the main file and empties it, so that erased rows (zeroed
    /// there) are not left in the log either.
    func checkpoint() async throws

    /// The SHA-256 digests of every user erased from the workspace.
    func erasedUserDigests(in workspace: WorkspaceID) async throws -> Set<[UInt8]>

    /// Deletes events of every workspace whose event time is before `time`, `batchSize` per
    /// transaction so that ingestion is never blocked for long. Profiles and activity summaries are
    /// left as they are (they are derived totals, not the events themselves).
    /// - Returns: how many events were deleted.
    func purgeEvents(olderThan time: Timestamp, batchSize: Int) async throws -> Int
}
