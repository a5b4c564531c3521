import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's segments must do: rule segment membership follows profile changes inside
/// the transaction that changes them; run against each store (SQLite in AttuneStoreTests,
/// PostgreSQL in AttunePostgresTests). Each check takes a fresh, empty store.
package enum SegmentStoreConformance: ConformanceSuite {
    package typealias Store = EventStore & WorkspaceStore & IdentityStore & ProfileStore & SegmentStore

    static let day: Int64 = 86_400_000
    static let buyers = SegmentID(unchecked: "seg_buyers")

    /// The checks by name, for `@Test(arguments:)`.
    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("usersEnterWhenEventsArriveAndLeaveWhenTheWindowPasses", {
            try await usersEnterWhenEventsArriveAndLeaveWhenTheWindowPasses($0)
        }),
        ("refreshCatchesUpWithTimeAlone", { try await refreshCatchesUpWithTimeAlone($0) }),
        ("declaredAttributesAndLinkedVisitorsCount", { try await declaredAttributesAndLinkedVisitorsCount($0) }),
        ("segmentsAreListedFoundDeletedAndNamesAreUnique", { try await segmentsAreListedFoundDeletedAndNamesAreUnique($0) }),
        ("aWorkspaceHoldsABoundedNumberOfRuleSegments", { try await aWorkspaceHoldsABoundedNumberOfRuleSegments($0) }),
        ("learnedSegmentsAreReplacedAsAWhole", { try await learnedSegmentsAreReplacedAsAWhole($0) }),
        ("refreshPagesThroughEveryUserOnce", { try await refreshPagesThroughEveryUserOnce($0) }),
        ("revealedAttributesAreComparedOpened", { try await revealedAttributesAreComparedOpened($0) }),
    ]

    /// A rule segment as the service stores one: its rule compiled and printed back.
    package static func ruleSegment(_ rule: String, id: String = "seg_buyers", name: String? = nil) throws -> Segment {
        let compiled = try RuleExpression.compile(rule, schema: ProfileFields.schema)
        return Segment(
            id: SegmentID(unchecked: id), name: name ?? id, kind: .rule, rule: compiled.description,
            createdAt: Fixtures.now, updatedAt: Fixtures.now)
    }

    static func prepare(_ store: some Store, rule: String) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.createSegment(try ruleSegment(rule), in: .default)
    }

    package static func event(_ n: UInt64, _ type: EventType, user: String = "u1", receivedAt offset: Int64) -> Event {
        var event = Fixtures.event(n, type: type, user: user, at: offset)
        event.receivedAt = Fixtures.now.adding(milliseconds: offset)
        return event
    }

    /// The segment events of `user` as (type, properties), in log order.
    package static func segmentEvents(_ store: some Store, _ user: String = "u1") async throws -> [(String, String)] {
        try await store.events(of: UserID(unchecked: user), in: .default, after: nil, limit: 100)
            .filter { SegmentEvents.isSegmentEvent($0.event.type.rawValue) }
            .map { ($0.event.type.rawValue, $0.event.properties ?? "") }
    }

    static func usersEnterWhenEventsArriveAndLeaveWhenTheWindowPasses(_ store: some Store) async throws {
        try await prepare(store, rule: #"count(events, type == "purchase", within: 7d) >= 2"#)
        _ = try await store.append([EventBatch(workspace: .default, events: [event(1, .purchase, receivedAt: 0)])])
        #expect(try await store.members(of: buyers, in: .default, after: nil, limit: 10).isEmpty)
        _ = try await store.append([EventBatch(workspace: .default, events: [event(2, .purchase, receivedAt: day)])])
        #expect(try await store.members(of: buyers, in: .default, after: nil, limit: 10) == [UserID(unchecked: "u1")])
        #expect(try await store.segments(of: UserID(unchecked: "u1"), in: .default) == [buyers])
        // Eight days after the first purchase only one is inside the window.
        _ = try await store.append([EventBatch(workspace: .default, events: [event(3, .view, receivedAt: 8 * day)])])
        #expect(try await store.members(of: buyers, in: .default, after: nil, limit: 10).isEmpty)
        let recorded = try await segmentEvents(store)
        #expect(recorded.map(\.0) == ["segment_entered", "segment_left"])
        #expect(recorded.allSatisfy { $0.1 == #"{"segment":"seg_buyers"}"# })
        // Each segment event is stamped with the receipt of the batch that caused it.
        let stamps = try await store.events(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 100)
            .filter { SegmentEvents.isSegmentEvent($0.event.type.rawValue) }.map(\.event.timestamp)
        #expect(stamps == [Fixtures.now.adding(milliseconds: day), Fixtures.now.adding(milliseconds: 8 * day)])
        // The segment events neither count in the profile nor trigger anything further.
        #expect(try await store.profile(of: UserID(unchecked: "u1"), in: .default)?.traits.eventCount == 3)
        #expect(try await store.stats(of: .default).events == 3)
    }

    static func refreshCatchesUpWithTimeAlone(_ store: some Store) async throws {
        try await prepare(store, rule: "count(events, within: 24h) >= 1")
        _ = try await store.append([EventBatch(workspace: .default, events: [event(1, .view, receivedAt: 0)])])
        #expect(try await store.memberCount(of: buyers, in: .default) == 1)
        let early = try await store.refreshSegments(in: .default, at: Fixtures.now.adding(milliseconds: 3_600_000), batchSize: 10)
        #expect(early == MembershipChanges(evaluated: 1, entered: 0, left: 0))
        let late = try await store.refreshSegments(in: .default, at: Fixtures.now.adding(milliseconds: 2 * day), batchSize: 10)
        #expect(late == MembershipChanges(evaluated: 1, entered: 0, left: 1))
        #expect(try await store.memberCount(of: buyers, in: .default) == 0)
    }

    static func declaredAttributesAndLinkedVisitorsCount(_ store: some Store) async throws {
        try await prepare(store, rule: #"attributes.plan == "gold" and count(events) >= 2"#)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            event(1, .view, receivedAt: 0), Fixtures.event(2, type: .view, user: nil, anonymous: "a1"),
        ])])
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "u1"), traits: #"{"plan":"gold"}"#, timestamp: Fixtures.now),
            in: .default)
        #expect(try await store.memberCount(of: buyers, in: .default) == 0)
        // Linking the visitor brings its event into the user's count.
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: UserID(unchecked: "u1"), traits: nil, timestamp: Fixtures.now),
            in: .default)
        #expect(try await store.memberCount(of: buyers, in: .default) == 1)
        // Declaring another plan takes the user out again.
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "u1"), traits: #"{"plan":"free"}"#, timestamp: Fixtures.now),
            in: .default)
        #expect(try await store.memberCount(of: buyers, in: .default) == 0)
        #expect(try await segmentEvents(store).map(\.0) == ["segment_entered", "segment_left"])
    }

    static func segmentsAreListedFoundDeletedAndNamesAreUnique(_ store: some Store) async throws {
        try await prepare(store, rule: "traits.events >= 1")
        _ = try await store.append([EventBatch(workspace: .default, events: (1...5).map {
            event(UInt64($0), .view, user: "u\($0)", receivedAt: 0)
        })])
        #expect(try await store.memberCount(of: buyers, in: .default) == 5)
        let first = try await store.members(of: buyers, in: .default, after: nil, limit: 2)
        let rest = try await store.members(of: buyers, in: .default, after: first.last, limit: 10)
        #expect((first + rest).map(\.rawValue) == ["u1", "u2", "u3", "u4", "u5"])
        await #expect(throws: AttuneError.self) {
            try await store.createSegment(
                Segment(id: SegmentID(unchecked: "seg_other"), name: "seg_buyers", kind: .rule, rule: "true",
                        createdAt: Fixtures.now, updatedAt: Fixtures.now),
                in: .default)
        }
        await #expect(throws: AttuneError.self) {
            try await store.createSegment(try ruleSegment("true", id: "seg_x"), in: WorkspaceID(unchecked: "ghost"))
        }
        #expect(try await store.segments(in: .default).map(\.id) == [buyers])
        #expect(try await store.segment(buyers, in: .default)?.rule == (try ruleSegment("traits.events >= 1").rule))
        #expect(try await store.segment(SegmentID(unchecked: "seg_none"), in: .default) == nil)
        #expect(try await store.deleteSegment(buyers, in: .default))
        #expect(try await store.deleteSegment(buyers, in: .default) == false)
        #expect(try await store.memberCount(of: buyers, in: .default) == 0)
        #expect(try await store.segments(of: UserID(unchecked: "u1"), in: .default).isEmpty)
        // Without segments, ingestion records nothing more.
        _ = try await store.append([EventBatch(workspace: .default, events: [event(9, .view, receivedAt: day)])])
        #expect(try await segmentEvents(store).map(\.0) == ["segment_entered"])
    }

    static func aWorkspaceHoldsABoundedNumberOfRuleSegments(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        func segment(_ n: Int) -> Segment {
            Segment(id: SegmentID(unchecked: "seg_\(n)"), name: "s\(n)", kind: .rule, rule: "traits.events > \(n)",
                    createdAt: Fixtures.now, updatedAt: Fixtures.now)
        }
        for n in 0..<SegmentLimits.maxRuleSegments { try await store.createSegment(segment(n), in: .default) }
        await #expect(throws: AttuneError.self) { try await store.createSegment(segment(-1), in: .default) }
        #expect(try await store.segments(in: .default).count == SegmentLimits.maxRuleSegments)
    }

    static func learnedSegmentsAreReplacedAsAWhole(_ store: some Store) async throws {
        try await prepare(store, rule: "traits.events >= 1")
        func learned(_ id: String, _ name: String, at offset: Int64) -> Segment {
            Segment(
                id: SegmentID(unchecked: id), name: name, kind: .learned, rule: nil,
                explanation: SegmentExplanation(rules: "events > 3", fidelity: 0.75, cluster: 1, features: ["events"], centroid: [0.5, -1]),
                createdAt: Fixtures.now, updatedAt: Fixtures.now.adding(milliseconds: offset))
        }
        let users = ["u2", "u1", "u3"].map(UserID.init(unchecked:))
        try await store.replaceLearnedSegments(
            [(learned("seg_l1", "Cluster 1", at: 5), Array(users[0...1])), (learned("seg_l2", "Cluster 2", at: 5), [users[2]])],
            in: .default, digest: PersonalDataStoreConformance.digest(of:))
        #expect(try await store.segments(in: .default).map(\.name) == ["Cluster 1", "Cluster 2", "seg_buyers"])
        let stored = try #require(try await store.segment(SegmentID(unchecked: "seg_l1"), in: .default))
        #expect(stored == learned("seg_l1", "Cluster 1", at: 5))
        #expect(try await store.members(of: SegmentID(unchecked: "seg_l1"), in: .default, after: nil, limit: 10).map(\.rawValue) == ["u1", "u2"])
        // Learned segments are not rules: appends leave their members alone.
        _ = try await store.append([EventBatch(workspace: .default, events: [event(1, .view, user: "u3", receivedAt: 0)])])
        #expect(try await store.segments(of: users[2], in: .default).map(\.rawValue) == ["seg_buyers", "seg_l2"])

        // A name taken by a rule segment refuses the whole replacement.
        await #expect(throws: AttuneError.self) {
            try await store.replaceLearnedSegments(
                [(learned("seg_l3", "seg_buyers", at: 9), [users[0]])], in: .default,
                digest: PersonalDataStoreConformance.digest(of:))
        }
        #expect(try await store.memberCount(of: SegmentID(unchecked: "seg_l1"), in: .default) == 2)

        try await store.replaceLearnedSegments(
            [(learned("seg_l3", "Cluster 3", at: 9), [users[0]])], in: .default, digest: PersonalDataStoreConformance.digest(of:))
        #expect(try await store.segments(in: .default).map(\.id.rawValue) == ["seg_l3", "seg_buyers"])
        #expect(try await store.memberCount(of: SegmentID(unchecked: "seg_l1"), in: .default) == 0)
        #expect(try await store.segments(of: users[2], in: .default).map(\.rawValue) == ["seg_buyers"])
    }

    static func refreshPagesThroughEveryUserOnce(_ store: some Store) async throws {
        try await prepare(store, rule: "count(events, within: 24h) >= 1")
        _ = try await store.append([EventBatch(workspace: .default, events: (1...7).map {
            event(UInt64($0), .view, user: "u\($0)", receivedAt: 0)
        })])
        // A user known only from declared traits is evaluated too.
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "u0"), traits: #"{"a":1}"#, timestamp: Fixtures.now), in: .default)
        #expect(try await store.memberCount(of: buyers, in: .default) == 7)
        let late = try await store.refreshSegments(in: .default, at: Fixtures.now.adding(milliseconds: 2 * day), batchSize: 3)
        #expect(late == MembershipChanges(evaluated: 8, entered: 0, left: 7))
        #expect(try await store.refreshSegments(in: .default, at: Fixtures.now, batchSize: 100)
            == MembershipChanges(evaluated: 8, entered: 7, left: 0))
    }

    static func revealedAttributesAreComparedOpened(_ store: some Store) async throws {
        try await prepare(store, rule: #"attributes.email == "ann@example.com""#)
        // A stand-in for the pseudonymiser: stored values are reversed, opened by reversing them.
        store.revealDeclaredValues { value in
            guard case .object(let members) = value else { return value }
            return .object(members.map { ($0.key, $0.value.stringValue.map { .string(String($0.reversed())) } ?? $0.value) })
        }
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "u1"), traits: #"{"email":"moc.elpmaxe@nna"}"#, timestamp: Fixtures.now),
            in: .default)
        #expect(try await store.segments(of: UserID(unchecked: "u1"), in: .default) == [buyers])
    }
}
