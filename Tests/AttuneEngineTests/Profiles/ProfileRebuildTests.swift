import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct ProfileRebuildTests {
    @Test func rebuildingFromTheLogEqualsTheStreamedProfiles() async throws {
        let store = try await ModelTrainingTests.communityStore()
        // Purchases with values and client sessions, in several batches, with a replayed one.
        var batch: [Event] = []
        for k in 0..<30 {
            var e = Fixtures.event(50_000 + UInt64(k), type: k % 3 == 0 ? .purchase : .addToCart, user: "a\(k % 7)", item: "A\(k % 30)",
                                   at: Int64(k) * 700_000)
            e.value = Double(k) + 0.25
            e.sessionID = SessionID(unchecked: "s\(k / 4)")
            batch.append(e)
        }
        _ = try await store.append([EventBatch(workspace: .default, events: Array(batch.prefix(18)))])
        _ = try await store.append([EventBatch(workspace: .default, events: Array(batch.suffix(15)))])
        // A visitor who browses, signs in as a1, and browses on; and one who never signs in.
        let visits = (0..<6).map { Fixtures.event(60_000 + UInt64($0), user: nil, anonymous: $0 < 4 ? "v1" : "v2", item: "A\($0)", at: Int64($0)) }
        _ = try await store.append([EventBatch(workspace: .default, events: Array(visits.prefix(2)))])
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "v1"), userID: UserID(unchecked: "a1"), traits: nil, timestamp: Fixtures.now),
            in: .default)
        _ = try await store.append([EventBatch(workspace: .default, events: Array(visits.suffix(4)))])
        let rebuild = ProfileRebuild(store: store, clock: FixedClock())
        let report = try await rebuild.run(workspace: .default, write: false)
        #expect(report.users == 80)
        #expect(report.events == 834, "v2's visits belong to no one yet")
        #expect(report.driftedCount == 0, "\(report.drifted)")
        let streamed = try #require(try await store.profile(of: UserID(unchecked: "a3"), in: .default))
        #expect(streamed.traits.purchaseCount > 0)
        #expect(streamed.traits.sessionCount > 1)
    }

    @Test func driftIsReportedAndRepaired() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let rebuild = ProfileRebuild(store: store, clock: FixedClock())
        var damaged = try #require(try await store.profile(of: UserID(unchecked: "a2"), in: .default)).traits
        damaged.eventCount += 1
        try await store.replaceProfiles(
            [(UserID(unchecked: "b4"), ProfileTraits()), (UserID(unchecked: "a2"), damaged)], in: .default, at: Fixtures.now)
        let check = try await rebuild.run(workspace: .default, write: false)
        #expect(check.drifted == [UserID(unchecked: "a2"), UserID(unchecked: "b4")])
        #expect(check.driftedCount == 2)
        #expect(check.written == 0)
        let repaired = try await rebuild.run(workspace: .default, write: true)
        #expect(repaired.written == check.driftedCount)
        #expect(try await rebuild.run(workspace: .default, write: false).driftedCount == 0)
        #expect(try await store.profile(of: UserID(unchecked: "b4"), in: .default)?.traits.eventCount == 10)
    }
}
