import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's personal-data store must do (erasure of a whole person, the digests it
/// keeps, exposures by unit, the retention purge), checked through the store's own reads of every
/// table that can hold a person; run against each store (SQLite in AttuneStoreTests, PostgreSQL
/// in AttunePostgresTests). Each check takes a fresh, empty store.
package enum PersonalDataStoreConformance: ConformanceSuite {
    /// Every protocol: erasure reaches the rows of all of them.
    package typealias Store = AttuneStorage

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("erasureRemovesThePersonFromEveryTableAndKeepsOthers", {
            try await erasureRemovesThePersonFromEveryTableAndKeepsOthers($0)
        }),
        ("erasingAnUnknownUserChangesNothing", { try await erasingAnUnknownUserChangesNothing($0) }),
        ("exposuresAreReadForEveryUnitOfThePerson", { try await exposuresAreReadForEveryUnitOfThePerson($0) }),
        ("erasureDeletesTheProfileHistory", { try await erasureDeletesTheProfileHistory($0) }),
        ("aMergedPersonIsErasedWholeAndNamedByNoOtherHistory", {
            try await aMergedPersonIsErasedWholeAndNamedByNoOtherHistory($0)
        }),
        ("consentAndItsHistoryGoAndTheSynchronousCheckForgetsThem", {
            try await consentAndItsHistoryGoAndTheSynchronousCheckForgetsThem($0)
        }),
        ("deadLettersNamingThePersonGo", { try await deadLettersNamingThePersonGo($0) }),
        ("digestsArePerWorkspace", { try await digestsArePerWorkspace($0) }),
        ("learnedSegmentsLeaveOutAPersonErasedBefore", { try await learnedSegmentsLeaveOutAPersonErasedBefore($0) }),
        ("purgeInBatchesOfOne", { try await purgeDeletesOnlyEventsOlderThanTheCutoff($0, batchSize: 1) }),
        ("purgeInBatchesOfTwo", { try await purgeDeletesOnlyEventsOlderThanTheCutoff($0, batchSize: 2) }),
        ("purgeInOneBatch", { try await purgeDeletesOnlyEventsOlderThanTheCutoff($0, batchSize: 1_000) }),
        ("purgeCoversEveryWorkspace", { try await purgeCoversEveryWorkspace($0) }),
    ]

    static let person = UserID(unchecked: "u-erase")
    static let visitor = AnonymousID(unchecked: "a-erase")
    static let other = UserID(unchecked: "u-keep")
    static let segment = SegmentID(unchecked: "seg_active")
    static let experiment = ExperimentKey(unchecked: "exp1")
    static let digest = [UInt8](repeating: 7, count: 32)
    static let otherWorkspace = WorkspaceID(unchecked: "other")
    static let day: Int64 = 86_400_000

    /// Every count named, so that a backend counting one table differently is caught.
    static func counted(
        events: Int = 0, profiles: Int = 0, profileVersions: Int = 0, declaredTraits: Int = 0, identityLinks: Int = 0,
        segmentMemberships: Int = 0, exposures: Int = 0, activitySummaries: Int = 0, texts: Int = 0,
        consentRecords: Int = 0, identityRecords: Int = 0
    ) -> ErasureCounts {
        var counts = ErasureCounts()
        counts.events = events
        counts.profiles = profiles
        counts.profileVersions = profileVersions
        counts.declaredTraits = declaredTraits
        counts.identityLinks = identityLinks
        counts.segmentMemberships = segmentMemberships
        counts.exposures = exposures
        counts.activitySummaries = activitySummaries
        counts.texts = texts
        counts.consentRecords = consentRecords
        counts.identityRecords = identityRecords
        return counts
    }

    /// A digest that differs per id, so that the digests recorded name which members went.
    package static func digest(of user: UserID) -> [UInt8] { Array(user.rawValue.utf8) }

    /// The person with events (own and as a visitor), a link, traits, a segment and exposures;
    /// another user with some of each.
    static func populate(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.createSegment(
            Segment(id: segment, name: "active", kind: .rule, rule: "traits.events > 0", createdAt: Fixtures.now,
                    updatedAt: Fixtures.now),
            in: .default)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: nil, anonymous: visitor.rawValue),
            Fixtures.event(2, user: person.rawValue),
            Fixtures.event(3, user: person.rawValue, item: "i2"),
            Fixtures.event(4, user: other.rawValue),
        ])])
        try await store.record(
            Identify(anonymousID: visitor, userID: person, traits: #"{"email":"erase@example.com"}"#, timestamp: Fixtures.now),
            in: .default)
        try await store.record(
            Identify(anonymousID: nil, userID: other, traits: #"{"email":"keep@example.com"}"#, timestamp: Fixtures.now),
            in: .default)
        try await store.recordExposures([
            Exposure(experiment: experiment, unit: person.rawValue, variant: 0, time: Fixtures.now),
            Exposure(experiment: ExperimentKey(unchecked: "exp2"), unit: visitor.rawValue, variant: 1, time: Fixtures.now),
            Exposure(experiment: experiment, unit: other.rawValue, variant: 1, time: Fixtures.now),
        ], in: .default)
        for (id, user) in [("t-erase", person), ("t-keep", other)] {
            try await store.appendText(
                CustomerText(
                    id: TextID(unchecked: id), user: user, source: .review, body: "the i2 is awful", time: Fixtures.now,
                    item: ItemID(unchecked: "i2"), sentiment: -0.6, sentimentLabel: "negative",
                    mentions: [TextMention(target: .item(ItemID(unchecked: "i2")), sentiment: -0.6)],
                    createdAt: Fixtures.now),
                in: .default)
        }
    }

    static func erasureRemovesThePersonFromEveryTableAndKeepsOthers(_ store: some Store) async throws {
        try await populate(store)
        #expect(try await store.segments(of: person, in: .default) == [segment])
        let before = try await store.stats(of: .default)

        let erased = try #require(try await store.erasePerson(
            person, digest: { _ in digest }, in: .default, at: Fixtures.now))
        #expect(erased.members == [person])
        let counts = erased.counts
        // Three events of their own, one as a visitor, one segment_entered.
        #expect(counts.events == 4)
        #expect(counts.profiles == 1)
        #expect(counts.declaredTraits == 1)
        #expect(counts.identityLinks == 1)
        #expect(counts.segmentMemberships == 1)
        #expect(counts.exposures == 2)
        #expect(counts.activitySummaries == 2)
        #expect(counts.texts == 1)
        #expect(counts.consentRecords == 0)
        // profileVersions: every version of the person's profile, written by the events and the identify.
        #expect(counts == counted(events: 4, profiles: 1, profileVersions: 3, declaredTraits: 1, identityLinks: 1,
                                  segmentMemberships: 1, exposures: 2, activitySummaries: 2, texts: 1))
        #expect(try await store.texts(of: person, in: .default, after: nil, limit: 10).isEmpty)
        #expect(try await store.mentions(of: person, in: .default, after: nil, limit: 10).isEmpty)
        #expect(try await store.mentioners(of: .item(ItemID(unchecked: "i2")), in: .default, after: nil, limit: 10)
            .map(\.user) == [other])
        #expect(try await store.texts(of: other, in: .default, after: nil, limit: 10).count == 1)

        #expect(try await store.events(of: person, in: .default, after: nil, limit: 100).isEmpty)
        #expect(try await store.events(in: .default, after: nil, limit: 100).allSatisfy {
            $0.event.userID != person && $0.event.anonymousID != visitor
        })
        #expect(try await store.profile(of: person, in: .default) == nil)
        #expect(try await store.traits(of: person, in: .default) == nil)
        #expect(try await store.anonymousIDs(of: person, in: .default).isEmpty)
        #expect(try await store.users(linkedTo: visitor, in: .default).isEmpty)
        #expect(try await store.segments(of: person, in: .default).isEmpty)
        #expect(try await store.members(of: segment, in: .default, after: nil, limit: 10) == [other])
        #expect(try await store.exposures(ofUnits: [person.rawValue, visitor.rawValue], in: .default).isEmpty)
        #expect(try await store.erasedUserDigests(in: .default) == [digest])
        let after = try await store.stats(of: .default)
        // The counter holds appended events only; the segment event was never in it.
        #expect(after.events == before.events - 3)
        #expect(after.users == before.users - 1)
        #expect(after.anonymousVisitors == before.anonymousVisitors - 1)

        // The other user is untouched.
        #expect(try await store.profile(of: other, in: .default) != nil)
        #expect(try await store.traits(of: other, in: .default) != nil)
        #expect(try await store.exposures(ofUnits: [other.rawValue], in: .default).count == 1)
        // No segment_left event names the person again.
        #expect(try await store.events(in: .default, after: nil, limit: 100).allSatisfy { $0.event.userID != person })
        // The files of SQLite are folded; PostgreSQL has nothing to fold. Either way it succeeds.
        try await store.checkpoint()
    }

    static func erasingAnUnknownUserChangesNothing(_ store: some Store) async throws {
        try await populate(store)
        let before = try await store.stats(of: .default)
        #expect(try await store.erasePerson(
            UserID(unchecked: "nobody"), digest: { _ in digest }, in: .default, at: Fixtures.now) == nil)
        // An id no store can hold under its name (PostgreSQL text has no NUL) is unknown too.
        #expect(try await store.erasePerson(
            UserID(unchecked: "nul\u{0}"), digest: { _ in digest }, in: .default, at: Fixtures.now) == nil)
        #expect(try await store.erasePerson(
            person, digest: { _ in digest }, in: WorkspaceID(unchecked: "missing"), at: Fixtures.now) == nil)
        #expect(try await store.erasedUserDigests(in: .default).isEmpty)
        #expect(try await store.erasedUserDigests(in: WorkspaceID(unchecked: "missing")).isEmpty)
        #expect(try await store.stats(of: .default) == before)
        #expect(try await store.erasePerson(person, digest: { _ in digest }, in: .default, at: Fixtures.now) != nil)
        #expect(try await store.erasePerson(person, digest: { _ in digest }, in: .default, at: Fixtures.now) == nil)
        #expect(try await store.erasedUserDigests(in: .default) == [digest])
    }

    static func exposuresAreReadForEveryUnitOfThePerson(_ store: some Store) async throws {
        try await populate(store)
        let found = try await store.exposures(ofUnits: [person.rawValue, visitor.rawValue], in: .default)
        #expect(found.map(\.experiment.rawValue) == ["exp1", "exp2"])
        #expect(found.map(\.unit) == [person.rawValue, visitor.rawValue])
        #expect(found.map(\.variant) == [0, 1])
        #expect(found.allSatisfy { $0.time == Fixtures.now })
        // Named twice, or with units nobody has, the same exposures come back once.
        #expect(try await store.exposures(
            ofUnits: [visitor.rawValue, person.rawValue, person.rawValue, "nobody", "nul\u{0}"], in: .default) == found)
        #expect(try await store.exposures(ofUnits: [], in: .default).isEmpty)
        #expect(try await store.exposures(ofUnits: [person.rawValue], in: WorkspaceID(unchecked: "missing")).isEmpty)
    }

    static func erasureDeletesTheProfileHistory(_ store: some Store) async throws {
        let user = UserID(unchecked: "u1")
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(2, at: 10)])])
        let erased = try #require(try await store.erasePerson(user, digest: { _ in [1, 2, 3] }, in: .default, at: Fixtures.now))
        #expect(erased.counts.profileVersions == 2)
        #expect(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).isEmpty)
    }

    /// a and b are one person; c was merged into a and taken out again, so its history and the
    /// undone merge name a. Erasing b erases a too, and leaves c with no trace of either.
    static func aMergedPersonIsErasedWholeAndNamedByNoOtherHistory(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let (a, b, c) = (UserID(unchecked: "a"), UserID(unchecked: "b"), UserID(unchecked: "c"))
        for (index, user) in ["a", "b", "c"].enumerated() {
            _ = try await store.append([EventBatch(workspace: .default, events: [
                Fixtures.event(UInt64(10 * index + 1), user: user, at: Int64(index) * 60_000),
                Fixtures.event(UInt64(10 * index + 2), user: user, at: Int64(index) * 60_000 + 1),
            ])])
        }
        let later = Fixtures.now.adding(milliseconds: 3_600_000)
        _ = try await store.merge([a, b], canonical: a, in: .default, actor: "ops", at: later)
        _ = try await store.merge([a, c], canonical: a, in: .default, actor: "ops", at: later)
        _ = try await store.unmerge(c, merge: nil, in: .default, actor: "ops", at: later)
        // Events sent for b after the merge belong to a, and remember that they came for b.
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(40, user: "b", at: 1)])])
        #expect(try await store.merges(involving: [c], in: .default).count == 1)
        let before = try await store.stats(of: .default)

        let erased = try #require(try await store.erasePerson(b, digest: digest(of:), in: .default, at: later))
        #expect(erased.members == [a, b])
        #expect(erased.counts.events == 5)
        #expect(erased.counts.profiles == 1)
        // identityRecords: b's alias, both merge rows (c's undone one too) and the "do not merge"
        // pair that c's unmerge left.
        #expect(erased.counts == counted(
            events: 5, profiles: 1, profileVersions: 7, activitySummaries: 2, identityRecords: 4))
        #expect(try await store.erasedUserDigests(in: .default) == [digest(of: a), digest(of: b)])
        #expect(try await store.stats(of: .default).events == before.events - 5)
        for user in [a, b] {
            #expect(try await store.events(of: user, in: .default, after: nil, limit: 100).isEmpty)
            #expect(try await store.profile(of: user, in: .default) == nil)
            #expect(try await store.profileHistory(of: user, in: .default, before: nil, limit: 100).isEmpty)
            #expect(try await store.canonicalUser(of: user, in: .default) == user)
            #expect(try await store.mergedUsers(into: user, in: .default).isEmpty)
        }
        #expect(try await store.merges(involving: [a, b, c], in: .default).isEmpty)
        // c keeps its own events, profile and history, with the erased ids replaced by a mark.
        #expect(try await store.events(of: c, in: .default, after: nil, limit: 100).count == 2)
        #expect(try await store.profile(of: c, in: .default) != nil)
        let history = try await store.profileHistory(of: c, in: .default, before: nil, limit: 100)
        #expect(!history.isEmpty)
        #expect(history.allSatisfy { !$0.detail.contains(#""a""#) && !$0.detail.contains(#""b""#) })
        #expect(try await store.erasePerson(a, digest: digest(of:), in: .default, at: later) == nil)
    }

    static func consentAndItsHistoryGoAndTheSynchronousCheckForgetsThem(_ store: some Store) async throws {
        try await populate(store)
        let refusal = ConsentChoices(analytics: true, personalization: false)
        _ = try await store.recordConsent(
            [
                (person, ConsentUpdate(choices: refusal, source: "api")),
                (UserID(unchecked: visitor.rawValue),
                 ConsentUpdate(choices: ConsentChoices(marketing: false), source: "tracker")),
                (other, ConsentUpdate(choices: ConsentChoices(marketing: false), source: "api")),
            ], in: .default, at: Fixtures.now)
        _ = try await store.recordConsent(
            [(person, ConsentUpdate(choices: ConsentChoices(marketing: true), source: "api"))], in: .default,
            at: Fixtures.now)
        #expect(try !store.consentPermits(.personalization, for: person.rawValue, in: .default))
        #expect(try !store.consentPermits(.marketing, for: visitor.rawValue, in: .default))

        let erased = try #require(try await store.erasePerson(
            person, digest: { _ in digest }, in: .default, at: Fixtures.now))
        // Two decisions (the user's and its visitor's) and three history rows.
        #expect(erased.counts.consentRecords == 5)
        #expect(try await store.consent(of: person, in: .default) == nil)
        #expect(try await store.consent(of: UserID(unchecked: visitor.rawValue), in: .default) == nil)
        // At once, in the process that erased: the policy answers for them again.
        #expect(try store.consentPermits(.personalization, for: person.rawValue, in: .default))
        #expect(try store.consentPermits(.marketing, for: visitor.rawValue, in: .default))
        #expect(try !store.consentPermits(.marketing, for: other.rawValue, in: .default))
        #expect(try await store.consentSnapshot(in: .default).choices
            == [other.rawValue: ConsentChoices(marketing: false)])
        #expect(try await store.consent(of: other, in: .default)?.history.count == 1)

        // Someone known only by a consent decision is someone held.
        let decidedOnly = UserID(unchecked: "u-consent-only")
        _ = try await store.recordConsent(
            [(decidedOnly, ConsentUpdate(choices: ConsentChoices(analytics: false), source: "api"))], in: .default,
            at: Fixtures.now)
        let onlyConsent = try #require(try await store.erasePerson(
            decidedOnly, digest: { _ in [9] }, in: .default, at: Fixtures.now))
        var expected = ErasureCounts()
        expected.consentRecords = 2
        #expect(onlyConsent == ErasedPerson(members: [decidedOnly], counts: expected))
        #expect(try store.consentPermits(.analytics, for: decidedOnly.rawValue, in: .default))
    }

    static func deadLettersNamingThePersonGo(_ store: some Store) async throws {
        try await populate(store)
        _ = try await store.createWebhook(
            Webhook(id: "hook", url: "https://example.com/hook", secret: "s", segment: nil, createdAt: Fixtures.now,
                    cursor: 0, attempts: 0, nextAttemptAt: 0, lastError: nil),
            in: .default)
        for (sequence, user) in [(Int64(1), person), (2, other), (3, person)] {
            try await store.addDeadLetter(
                DeadLetter(
                    webhook: "hook",
                    change: SegmentChange(
                        sequence: sequence, entered: true, user: user, segment: segment, time: Fixtures.now),
                    error: "HTTP 500", time: Fixtures.now),
                in: .default)
        }
        _ = try await store.erasePerson(person, digest: { _ in digest }, in: .default, at: Fixtures.now)
        let left = try await store.deadLetters(of: "hook", in: .default, limit: 10)
        #expect(left.map(\.change.user) == [other])
    }

    static func digestsArePerWorkspace(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(otherWorkspace, at: Fixtures.now)
        let user = UserID(unchecked: "u1")
        _ = try await store.append([
            EventBatch(workspace: .default, events: [Fixtures.event(1)]),
            EventBatch(workspace: otherWorkspace, events: [Fixtures.event(1)]),
        ])
        #expect(try await store.erasePerson(user, digest: digest(of:), in: .default, at: Fixtures.now) != nil)
        #expect(try await store.erasedUserDigests(in: .default) == [digest(of: user)])
        #expect(try await store.erasedUserDigests(in: otherWorkspace).isEmpty)
        // The same person in another workspace is someone else's data, untouched.
        #expect(try await store.events(of: user, in: otherWorkspace, after: nil, limit: 10).count == 1)
        #expect(try await store.profile(of: user, in: otherWorkspace) != nil)
        #expect(try await store.erasePerson(user, digest: digest(of:), in: otherWorkspace, at: Fixtures.now) != nil)
        #expect(try await store.erasedUserDigests(in: otherWorkspace) == [digest(of: user)])
    }

    /// A clustering that was running while the person was erased still lists them among its
    /// members: the replacement leaves them out (in the workspace they were erased from only),
    /// and keeps members without events.
    static func learnedSegmentsLeaveOutAPersonErasedBefore(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(otherWorkspace, at: Fixtures.now)
        _ = try await store.append([
            EventBatch(
                workspace: .default, events: [Fixtures.event(1, user: person.rawValue), Fixtures.event(2, user: other.rawValue)]),
            EventBatch(workspace: otherWorkspace, events: [Fixtures.event(1, user: person.rawValue)]),
        ])
        #expect(try await store.erasePerson(person, digest: digest(of:), in: .default, at: Fixtures.now) != nil)
        let cluster = Segment(
            id: SegmentID(unchecked: "seg_cluster"), name: "Cluster 1", kind: .learned, rule: nil,
            explanation: SegmentExplanation(rules: "events > 0", fidelity: 1, cluster: 1, features: ["events"], centroid: [1]),
            createdAt: Fixtures.now, updatedAt: Fixtures.now)
        let newcomer = UserID(unchecked: "u-no-events")
        for workspace in [WorkspaceID.default, otherWorkspace] {
            try await store.replaceLearnedSegments(
                [(cluster, [person, other, newcomer])], in: workspace, digest: digest(of:))
        }
        #expect(try await store.members(of: cluster.id, in: .default, after: nil, limit: 10) == [other, newcomer])
        #expect(try await store.segments(of: person, in: .default).isEmpty)
        #expect(try await store.memberCount(of: cluster.id, in: .default) == 2)
        #expect(try await store.members(of: cluster.id, in: otherWorkspace, after: nil, limit: 10) == [person, other, newcomer])
    }

    static func purgeDeletesOnlyEventsOlderThanTheCutoff(_ store: some Store, batchSize: Int) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, at: -40 * day), Fixtures.event(2, at: -31 * day), Fixtures.event(3, at: -29 * day),
            Fixtures.event(4, at: -35 * day), Fixtures.event(5, at: 0),
        ])])
        let profile = try await store.profile(of: UserID(unchecked: "u1"), in: .default)
        let deleted = try await store.purgeEvents(olderThan: Fixtures.now.adding(milliseconds: -30 * day), batchSize: batchSize)
        #expect(deleted == 3)
        let left = try await store.events(in: .default, after: nil, limit: 100).map(\.event.id)
        #expect(left == [Fixtures.eventID(3), Fixtures.eventID(5)])
        #expect(try await store.stats(of: .default).events == 2)
        // Profiles are derived totals and stay as they were.
        #expect(try await store.profile(of: UserID(unchecked: "u1"), in: .default) == profile)
        #expect(try await store.purgeEvents(olderThan: Fixtures.now.adding(milliseconds: -30 * day), batchSize: batchSize) == 0)
    }

    static func purgeCoversEveryWorkspace(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(otherWorkspace, at: Fixtures.now)
        // Interleaved in the log, so that batches span both workspaces.
        for n in UInt64(1)...6 {
            let workspace = n.isMultiple(of: 2) ? otherWorkspace : .default
            _ = try await store.append([EventBatch(workspace: workspace, events: [
                Fixtures.event(n, at: n <= 4 ? -40 * day : 0),
            ])])
        }
        // A batch size of zero or less is one event per batch, not a refusal.
        #expect(try await store.purgeEvents(olderThan: Fixtures.now.adding(milliseconds: -30 * day), batchSize: 0) == 4)
        #expect(try await store.events(in: .default, after: nil, limit: 100).map(\.event.id) == [Fixtures.eventID(5)])
        #expect(try await store.events(in: otherWorkspace, after: nil, limit: 100).map(\.event.id)
            == [Fixtures.eventID(6)])
        #expect(try await store.stats(of: .default).events == 1)
        #expect(try await store.stats(of: otherWorkspace).events == 1)
        #expect(try await store.purgeEvents(olderThan: Fixtures.now, batchSize: 3) == 0)
        #expect(try await store.purgeEvents(olderThan: Fixtures.now.adding(milliseconds: 1), batchSize: 3) == 2)
    }
}
