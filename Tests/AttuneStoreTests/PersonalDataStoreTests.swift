import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// Erasure and retention at the storage level: every table that can hold a person is checked
/// through the store's own reads.
struct PersonalDataStoreTests {
    static let person = UserID(unchecked: "u-erase")
    static let visitor = AnonymousID(unchecked: "a-erase")
    static let other = UserID(unchecked: "u-keep")
    static let segment = SegmentID(unchecked: "seg_active")
    static let experiment = ExperimentKey(unchecked: "exp1")
    static let digest = [UInt8](repeating: 7, count: 32)

    /// The person with events (own and as a visitor), a link, traits, a segment and exposures;
    /// another user with some of each.
    static func populated() async throws -> SQLiteStore {
        let store = try SQLiteStore()
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
        return store
    }

    @Test func erasureRemovesThePersonFromEveryTableAndKeepsOthers() async throws {
        let store = try await Self.populated()
        #expect(try await store.segments(of: Self.person, in: .default) == [Self.segment])
        let before = try await store.stats(of: .default)

        let erased = try #require(try await store.erasePerson(
            Self.person, digest: { _ in Self.digest }, in: .default, at: Fixtures.now))
        #expect(erased.members == [Self.person])
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
        #expect(try await store.texts(of: Self.person, in: .default, after: nil, limit: 10).isEmpty)
        #expect(try await store.mentions(of: Self.person, in: .default, after: nil, limit: 10).isEmpty)
        #expect(try await store.mentioners(of: .item(ItemID(unchecked: "i2")), in: .default, after: nil, limit: 10)
            .map(\.user) == [Self.other])
        #expect(try await store.texts(of: Self.other, in: .default, after: nil, limit: 10).count == 1)

        #expect(try await store.events(of: Self.person, in: .default, after: nil, limit: 100).isEmpty)
        #expect(try await store.events(in: .default, after: nil, limit: 100).allSatisfy {
            $0.event.userID != Self.person && $0.event.anonymousID != Self.visitor
        })
        #expect(try await store.profile(of: Self.person, in: .default) == nil)
        #expect(try await store.traits(of: Self.person, in: .default) == nil)
        #expect(try await store.anonymousIDs(of: Self.person, in: .default).isEmpty)
        #expect(try await store.users(linkedTo: Self.visitor, in: .default).isEmpty)
        #expect(try await store.segments(of: Self.person, in: .default).isEmpty)
        #expect(try await store.members(of: Self.segment, in: .default, after: nil, limit: 10) == [Self.other])
        #expect(try await store.exposures(ofUnits: [Self.person.rawValue, Self.visitor.rawValue], in: .default).isEmpty)
        #expect(try await store.erasedUserDigests(in: .default) == [Self.digest])
        let after = try await store.stats(of: .default)
        // The counter holds appended events only; the segment event was never in it.
        #expect(after.events == before.events - 3)
        #expect(after.users == before.users - 1)
        #expect(after.anonymousVisitors == before.anonymousVisitors - 1)

        // The other user is untouched.
        #expect(try await store.profile(of: Self.other, in: .default) != nil)
        #expect(try await store.traits(of: Self.other, in: .default) != nil)
        #expect(try await store.exposures(ofUnits: [Self.other.rawValue], in: .default).count == 1)
        // No segment_left event names the person again.
        #expect(try await store.events(in: .default, after: nil, limit: 100).allSatisfy { $0.event.userID != Self.person })
    }

    @Test func erasingAnUnknownUserChangesNothing() async throws {
        let store = try await Self.populated()
        let before = try await store.stats(of: .default)
        #expect(try await store.erasePerson(
            UserID(unchecked: "nobody"), digest: { _ in Self.digest }, in: .default, at: Fixtures.now) == nil)
        #expect(try await store.erasedUserDigests(in: .default).isEmpty)
        #expect(try await store.stats(of: .default) == before)
        #expect(try await store.erasePerson(Self.person, digest: { _ in Self.digest }, in: .default, at: Fixtures.now) != nil)
        #expect(try await store.erasePerson(Self.person, digest: { _ in Self.digest }, in: .default, at: Fixtures.now) == nil)
    }

    @Test func exposuresAreReadForEveryUnitOfThePerson() async throws {
        let store = try await Self.populated()
        let found = try await store.exposures(ofUnits: [Self.person.rawValue, Self.visitor.rawValue], in: .default)
        #expect(found.map(\.experiment.rawValue) == ["exp1", "exp2"])
        #expect(found.map(\.unit) == [Self.person.rawValue, Self.visitor.rawValue])
    }

    @Test(arguments: [1, 2, 1_000])
    func purgeDeletesOnlyEventsOlderThanTheCutoff(batchSize: Int) async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let day: Int64 = 86_400_000
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
}
