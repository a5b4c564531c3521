import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

/// Learned segments: clear groups are found, explained, stored, and keep their ids on retraining.
struct SegmentTrainingTests {
    /// Three kinds of users, 30 of each: buyers, browsers and one-visit users.
    static func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        var events: [Event] = []
        var n: UInt64 = 0
        func add(_ user: String, _ type: EventType, _ count: Int, value: Double? = nil) {
            for i in 0..<count {
                n += 1
                var event = Fixtures.event(n, type: type, user: user, at: -Int64(i) * 3_600_000)
                event.value = value
                events.append(event)
            }
        }
        for u in 0..<30 {
            add("buyer\(u)", .purchase, 10 + u % 3, value: 50)
            add("buyer\(u)", .view, 10)
            add("browser\(u)", .view, 40 + u % 5)
            add("visitor\(u)", .view, 1)
        }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        return store
    }

    func assignment(_ store: SQLiteStore) async throws -> [UserID: SegmentID] {
        var out: [UserID: SegmentID] = [:]
        for segment in try await store.segments(in: .default) where segment.kind == .learned {
            for user in try await store.members(of: segment.id, in: .default, after: nil, limit: 1_000) {
                out[user] = segment.id
            }
        }
        return out
    }

    @Test func clearGroupsAreFoundExplainedAndStored() async throws {
        let store = try await Self.store()
        var configuration = SegmentTraining.Configuration()
        configuration.clusterCounts = 2...5
        let result = try await SegmentTraining(store: store, clock: FixedClock(), configuration: configuration)
            .run(workspace: .default)
        #expect(result.users == 90)
        #expect(result.segments.count == 3)
        for (segment, members) in result.segments {
            #expect(members.count == 30)
            let kinds = Set(members.map { $0.rawValue.prefix(while: { $0.isLetter }) })
            #expect(kinds.count == 1, "\(segment.name) mixes \(kinds)")
            let explanation = try #require(segment.explanation)
            #expect(!explanation.rules.isEmpty)
            #expect(explanation.fidelity >= 0.9)
            #expect(segment.name != "")
        }
        let stored = try await store.segments(in: .default)
        #expect(stored.filter { $0.kind == .learned }.count == 3)
        #expect(try await assignment(store).count == 90)
    }

    @Test func wardLinkageFindsTheSameGroupsAndKeepsIDsAcrossMethods() async throws {
        let store = try await Self.store()
        var configuration = SegmentTraining.Configuration()
        configuration.clusterCounts = 2...5
        _ = try await SegmentTraining(store: store, clock: FixedClock(), configuration: configuration).run(workspace: .default)
        let before = try await assignment(store)
        configuration.method = .ward
        let result = try await SegmentTraining(store: store, clock: FixedClock(), configuration: configuration)
            .run(workspace: .default)
        #expect(result.segments.count == 3)
        for (segment, members) in result.segments {
            #expect(members.count == 30)
            #expect(Set(members.map { $0.rawValue.prefix(while: { $0.isLetter }) }).count == 1, "\(segment.name)")
        }
        #expect(try await assignment(store) == before, "Ward's clusters are matched to the k-means ones by their centres")
    }

    @Test func retrainingKeepsSegmentIDs() async throws {
        let store = try await Self.store()
        var configuration = SegmentTraining.Configuration()
        configuration.clusterCounts = 2...5
        _ = try await SegmentTraining(store: store, clock: FixedClock(), configuration: configuration).run(workspace: .default)
        let before = try await assignment(store)
        // Another seed numbers the clusters differently; the ids must not follow that numbering.
        for seed: UInt64 in [7, 1234, 99] {
            configuration.seed = seed
            _ = try await SegmentTraining(store: store, clock: FixedClock(), configuration: configuration)
                .run(workspace: .default)
            #expect(try await assignment(store) == before)
        }
    }

    @Test func tooFewUsersAreRefused() async throws {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
        await #expect(throws: AttuneError.self) {
            try await SegmentTraining(store: store, clock: FixedClock()).run(workspace: .default)
        }
    }
}
