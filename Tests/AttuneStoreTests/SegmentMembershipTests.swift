import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// Rule segment membership follows profile changes inside the ingestion transaction.
struct SegmentMembershipTests {
    let day: Int64 = 86_400_000

    func store(rule: String, id: String = "seg_buyers") async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let compiled = try RuleExpression.compile(rule, schema: ProfileFields.schema)
        try await store.createSegment(
            Segment(id: SegmentID(unchecked: id), name: id, kind: .rule, rule: compiled.description,
                    createdAt: Fixtures.now, updatedAt: Fixtures.now),
            in: .default)
        return store
    }

    func event(_ n: UInt64, _ type: EventType, user: String = "u1", receivedAt offset: Int64) -> Event {
        var event = Fixtures.event(n, type: type, user: user, at: offset)
        event.receivedAt = Fixtures.now.adding(milliseconds: offset)
        return event
    }

    func segmentEvents(_ store: SQLiteStore, _ user: String = "u1") async throws -> [(String, String)] {
        try await store.events(of: UserID(unchecked: user), in: .default, after: nil, limit: 100)
            .filter { SegmentEvents.isSegmentEvent($0.event.type.rawValue) }
            .map { ($0.event.type.rawValue, $0.event.properties ?? "") }
    }

    @Test func usersEnterWhenEventsArriveAndLeaveWhenTheWindowPasses() async throws {
        let store = try await store(rule: #"count(events, type == "purchase", within: 7d) >= 2"#)
        let id = SegmentID(unchecked: "seg_buyers")
        _ = try await store.append([EventBatch(workspace: .default, events: [event(1, .purchase, receivedAt: 0)])])
        #expect(try await store.members(of: id, in: .default, after: nil, limit: 10).isEmpty)
        _ = try await store.append([EventBatch(workspace: .default, events: [event(2, .purchase, receivedAt: day)])])
        #expect(try await store.members(of: id, in: .default, after: nil, limit: 10) == [UserID(unchecked: "u1")])
        #expect(try await store.segments(of: UserID(unchecked: "u1"), in: .default) == [id])
        // Eight days after the first purchase only one is inside the window.
        _ = try await store.append([EventBatch(workspace: .default, events: [event(3, .view, receivedAt: 8 * day)])])
        #expect(try await store.members(of: id, in: .default, after: nil, limit: 10).isEmpty)
        let recorded = try await segmentEvents(store)
        #expect(recorded.map(\.0) == ["segment_entered", "segment_left"])
        #expect(recorded.allSatisfy { $0.1 == #"{"segment":"seg_buyers"}"# })
        // The segment events neither count in the profile nor trigger anything further.
        #expect(try await store.profile(of: UserID(unchecked: "u1"), in: .default)?.traits.eventCount == 3)
        #expect(try await store.stats(of: .default).events == 3)
    }

    @Test func refreshCatchesUpWithTimeAlone() async throws {
        let store = try await store(rule: "count(events, within: 24h) >= 1")
        let id = SegmentID(unchecked: "seg_buyers")
        _ = try await store.append([EventBatch(workspace: .default, events: [event(1, .view, receivedAt: 0)])])
        #expect(try await store.memberCount(of: id, in: .default) == 1)
        let early = try await store.refreshSegments(in: .default, at: Fixtures.now.adding(milliseconds: 3_600_000), batchSize: 10)
        #expect(early == MembershipChanges(evaluated: 1, entered: 0, left: 0))
        let late = try await store.refreshSegments(in: .default, at: Fixtures.now.adding(milliseconds: 2 * day), batchSize: 10)
        #expect(late == MembershipChanges(evaluated: 1, entered: 0, left: 1))
        #expect(try await store.memberCount(of: id, in: .default) == 0)
    }

    @Test func declaredAttributesAndLinkedVisitorsCount() async throws {
        let store = try await store(rule: #"attributes.plan == "gold" and count(events) >= 2"#)
        let id = SegmentID(unchecked: "seg_buyers")
        _ = try await store.append([EventBatch(workspace: .default, events: [
            event(1, .view, receivedAt: 0), Fixtures.event(2, type: .view, user: nil, anonymous: "a1"),
        ])])
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "u1"), traits: #"{"plan":"gold"}"#, timestamp: Fixtures.now),
            in: .default)
        #expect(try await store.memberCount(of: id, in: .default) == 0)
        // Linking the visitor brings its event into the user's count.
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: UserID(unchecked: "u1"), traits: nil, timestamp: Fixtures.now),
            in: .default)
        #expect(try await store.memberCount(of: id, in: .default) == 1)
    }

    @Test func segmentsAreListedFoundDeletedAndNamesAreUnique() async throws {
        let store = try await store(rule: "traits.events >= 1")
        let id = SegmentID(unchecked: "seg_buyers")
        _ = try await store.append([EventBatch(workspace: .default, events: (1...5).map {
            event(UInt64($0), .view, user: "u\($0)", receivedAt: 0)
        })])
        #expect(try await store.memberCount(of: id, in: .default) == 5)
        let first = try await store.members(of: id, in: .default, after: nil, limit: 2)
        let rest = try await store.members(of: id, in: .default, after: first.last, limit: 10)
        #expect((first + rest).map(\.rawValue) == ["u1", "u2", "u3", "u4", "u5"])
        await #expect(throws: AttuneError.self) {
            try await store.createSegment(
                Segment(id: SegmentID(unchecked: "seg_other"), name: "seg_buyers", kind: .rule, rule: "true",
                        createdAt: Fixtures.now, updatedAt: Fixtures.now),
                in: .default)
        }
        #expect(try await store.segments(in: .default).map(\.id) == [id])
        #expect(try await store.deleteSegment(id, in: .default))
        #expect(try await store.deleteSegment(id, in: .default) == false)
        #expect(try await store.memberCount(of: id, in: .default) == 0)
        // Without segments, ingestion records nothing more.
        _ = try await store.append([EventBatch(workspace: .default, events: [event(9, .view, receivedAt: day)])])
        #expect(try await segmentEvents(store).map(\.0) == ["segment_entered"])
    }

    @Test func aWorkspaceHoldsABoundedNumberOfRuleSegments() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        func segment(_ n: Int) -> Segment {
            Segment(id: SegmentID(unchecked: "seg_\(n)"), name: "s\(n)", kind: .rule, rule: "traits.events > \(n)",
                    createdAt: Fixtures.now, updatedAt: Fixtures.now)
        }
        for n in 0..<SQLiteStore.maxRuleSegments { try await store.createSegment(segment(n), in: .default) }
        await #expect(throws: AttuneError.self) { try await store.createSegment(segment(-1), in: .default) }
        #expect(try await store.segments(in: .default).count == SQLiteStore.maxRuleSegments)
    }
}
