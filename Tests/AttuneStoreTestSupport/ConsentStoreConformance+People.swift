import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// Consent as it reaches the rest of a person's data: merged ids, profiles, segments, replays.
extension ConsentStoreConformance {
    static let buyers = SegmentID(unchecked: "seg_buyers")
    static let cluster = SegmentID(unchecked: "seg_l1")

    static func at(_ seconds: Int64) -> Timestamp { Fixtures.now.adding(milliseconds: seconds * 1_000) }

    static func learnedSegment() -> Segment {
        Segment(
            id: cluster, name: "Cluster 1", kind: .learned, rule: nil,
            explanation: SegmentExplanation(rules: "events > 0", fidelity: 1, cluster: 1, features: ["events"], centroid: [1]),
            createdAt: Fixtures.now, updatedAt: Fixtures.now)
    }

    /// A rule segment every person with an event is in, a learned one holding `members`, and one
    /// event each for `members`.
    static func prepareSegments(_ store: some Store, _ members: [String]) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.createSegment(try SegmentStoreConformance.ruleSegment("traits.events >= 1"), in: .default)
        let events = members.enumerated().map { Fixtures.event(UInt64($0.offset + 1), user: $0.element, at: 1_000) }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        try await store.replaceLearnedSegments(
            [(learnedSegment(), members.map(user))], in: .default, digest: PersonalDataStoreConformance.digest(of:))
        for member in members {
            #expect(try await store.segments(of: user(member), in: .default) == [buyers, cluster])
        }
    }

    static func segmentEventTypes(_ store: some Store, _ person: String) async throws -> [String] {
        try await SegmentStoreConformance.segmentEvents(store, person).map(\.0)
    }

    static func aMergedIdsDecisionIsThePersons(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: "u1", at: 1_000), Fixtures.event(2, user: "u2", at: 2_000),
        ])])
        let merged = try await store.merge([user("u1"), user("u2")], canonical: user("u1"), in: .default, actor: "ops", at: at(1))
        #expect(merged.canonical == user("u1"))

        // A refusal through the merged id is the person's; a grant through it applies where the
        // person has not refused.
        let refusal = ConsentUpdate(choices: ConsentChoices(analytics: false, marketing: true), source: "tracker")
        let refused = try await store.recordConsent([(user("u2"), refusal)], in: .default, at: at(2))
        #expect(refused == [ConsentRecord(choices: ConsentChoices(analytics: false, marketing: true), updatedAt: at(2))])
        #expect(try store.consentPermits(.analytics, for: "u1", in: .default) == false)
        let person = try #require(try await store.consent(of: user("u1"), in: .default))
        #expect(person.history == [ConsentChange(choices: refusal.choices, source: "tracker", at: at(2))])
        #expect(try await store.consent(of: user("u2"), in: .default) == person, "a merged id answers with the person's")
        let withheld = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(3, user: "u2")])])
        #expect(withheld == [AppendResult(withheld: 1)])

        // A grant through the merged id does not undo the person's own refusal (the merge may be
        // wrong, and the grant a stranger's); the change is still recorded, empty.
        let grant = ConsentUpdate(choices: ConsentChoices(analytics: true), source: "api")
        let granted = try await store.recordConsent([(user("u2"), grant)], in: .default, at: at(3))
        #expect(granted == [ConsentRecord(choices: ConsentChoices(analytics: false, marketing: true), updatedAt: at(3))])
        #expect(try store.consentPermits(.analytics, for: "u1", in: .default) == false)
        #expect(try await store.consent(of: user("u2"), in: .default)?.history == [
            ConsentChange(choices: refusal.choices, source: "tracker", at: at(2)),
            ConsentChange(choices: ConsentChoices(), source: "api", at: at(3)),
        ])
        let byCanonical = try await store.recordConsent([(user("u1"), grant)], in: .default, at: at(4))
        #expect(byCanonical == [ConsentRecord(choices: ConsentChoices(analytics: true, marketing: true), updatedAt: at(4))])
        #expect(try store.consentPermits(.analytics, for: "u1", in: .default))
        #expect(try await store.consentSnapshot(in: .default).choices == [
            "u1": ConsentChoices(analytics: true, marketing: true), "u2": ConsentChoices(analytics: true, marketing: true),
        ])

        // The merged id kept its own decisions: an unmerge gives them back.
        try await store.unmerge(user("u2"), merge: merged.merges[0].id, in: .default, actor: "ops", at: at(5))
        let own = try #require(try await store.consent(of: user("u2"), in: .default))
        #expect(own.choices == ConsentChoices(analytics: true, marketing: true))
        #expect(own.history == [
            ConsentChange(choices: refusal.choices, source: "tracker", at: at(2)),
            ConsentChange(choices: grant.choices, source: "api", at: at(3)),
        ])
    }

    static func withdrawingPersonalizationEndsTheProfileAndSegmentsAndAGrantRefoldsThem(_ store: some Store) async throws {
        try await prepareSegments(store, ["u1", "u2"])
        let withdraw = ConsentUpdate(choices: ConsentChoices(personalization: false))
        _ = try await store.recordConsent([(user("u1"), withdraw)], in: .default, at: at(1))
        #expect(try await store.profile(of: user("u1"), in: .default) == nil)
        #expect(try await store.segments(of: user("u1"), in: .default).isEmpty)
        // The rule segment is left with an event (campaigns hear of it); the learned one just goes.
        #expect(try await SegmentStoreConformance.segmentEvents(store, "u1").map(\.0) == ["segment_entered", "segment_left"])
        let left = try await store.events(of: user("u1"), in: .default, after: nil, limit: 10).last?.event
        #expect(left?.timestamp == at(1))
        #expect(try await store.members(of: cluster, in: .default, after: nil, limit: 10) == [user("u2")])
        #expect(try await store.profile(of: user("u2"), in: .default)?.traits.eventCount == 1, "others keep theirs")

        // Events are still stored (analytics is allowed) and fold into nothing personal.
        let later = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(3, user: "u1", at: 3_000)])])
        #expect(later == [AppendResult(inserted: 1)])
        #expect(try await store.profile(of: user("u1"), in: .default) == nil)
        #expect(try await store.segments(of: user("u1"), in: .default).isEmpty)
        // Withdrawing again is no change to act on.
        _ = try await store.recordConsent([(user("u1"), withdraw)], in: .default, at: at(2))
        #expect(try await segmentEventTypes(store, "u1") == ["segment_entered", "segment_left"])

        // A grant folds the stored events back into a profile, and the rule segments follow.
        let grant = ConsentUpdate(choices: ConsentChoices(personalization: true))
        _ = try await store.recordConsent([(user("u1"), grant)], in: .default, at: at(3))
        let profile = try #require(try await store.profile(of: user("u1"), in: .default))
        #expect(profile.traits.eventCount == 2)
        let history = try await store.profileHistory(of: user("u1"), in: .default, before: nil, limit: 10)
        #expect(history.map(\.cause) == [.consent, .event])
        #expect(history.map(\.version) == [2, 1])
        #expect(history.first?.at == at(3))
        #expect(try await store.segments(of: user("u1"), in: .default) == [buyers])
        #expect(try await segmentEventTypes(store, "u1") == ["segment_entered", "segment_left", "segment_entered"])
        // A grant to someone who never withdrew is no change either.
        _ = try await store.recordConsent([(user("u2"), grant)], in: .default, at: at(3))
        #expect(try await store.profileHistory(of: user("u2"), in: .default, before: nil, limit: 10).map(\.cause) == [.event])
        #expect(try await store.segments(of: user("u2"), in: .default) == [buyers, cluster])
    }

    static func aWithdrawalAndAGrantInOneCallAreAppliedInTurn(_ store: some Store) async throws {
        try await prepareSegments(store, ["u1"])
        // Through the merged id as well: a refusal reaches the person.
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(9, user: "u9", at: 9_000)])])
        _ = try await store.merge([user("u1"), user("u9")], canonical: user("u1"), in: .default, actor: "ops", at: at(1))
        let withdraw = ConsentUpdate(choices: ConsentChoices(personalization: false), source: "import")
        let grant = ConsentUpdate(choices: ConsentChoices(personalization: true), source: "import")
        let records = try await store.recordConsent([(user("u9"), withdraw), (user("u1"), grant)], in: .default, at: at(2))
        #expect(records == [
            ConsentRecord(choices: ConsentChoices(personalization: false), updatedAt: at(2)),
            ConsentRecord(choices: ConsentChoices(personalization: true), updatedAt: at(2)),
        ])
        // The profile was removed, then folded again from the person's events (its own and the merged id's).
        let profile = try #require(try await store.profile(of: user("u1"), in: .default))
        #expect(profile.traits.eventCount == 2)
        let history = try await store.profileHistory(of: user("u1"), in: .default, before: nil, limit: 10)
        #expect(history.map(\.cause) == [.consent, .merge, .event])
        #expect(try await store.segments(of: user("u1"), in: .default) == [buyers])
        let logged = try await segmentEventTypes(store, "u1")
        // The merged id's own entry came over with its events; then the person left and entered again.
        #expect(logged == ["segment_entered", "segment_entered", "segment_left", "segment_entered"])
        #expect(try await store.consent(of: user("u1"), in: .default)?.history.map(\.choices) == [
            withdraw.choices, grant.choices,
        ])
    }
}
