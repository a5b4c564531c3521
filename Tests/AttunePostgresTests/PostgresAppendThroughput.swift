import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Not a check: prints events/s appended to PostgreSQL in batches of 100 and 10,000, when
/// `ATTUNE_POSTGRES_BENCH` is set (and a server is configured). No threshold: the figure depends
/// on the machine and the server's settings.
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured && ProcessInfo.processInfo.environment["ATTUNE_POSTGRES_BENCH"] != nil))
struct PostgresAppendThroughput {
    /// Each size three times: without profiles, with profiles (and their history), and with
    /// profiles and one rule segment whose rule reads a windowed aggregate (so every batch's users
    /// are evaluated and their recent events read).
    @Test(arguments: [(100, 200), (10_000, 10)])
    func appendEventsPerSecond(_ batchSize: Int, _ batches: Int) async throws {
        let all = (0..<batchSize * batches).map { i in
            var event = Fixtures.event(UInt64(i), user: "u\(i % 5_000)", item: "i\(i % 2_000)", at: Int64(i))
            event.properties = #"{"price":12.5,"currency":"EUR"}"#
            return event
        }
        for (mode, profiles, segment) in [("no profiles", false, false), ("profiles", true, false), ("profiles + segment", true, true)] {
            // A long deadline: a batch of 10,000 with profiles takes seconds in a debug build on a
            // loaded machine, and a timed-out try would be replayed (its events then count as
            // duplicates, not as inserted).
            let options = PostgresStore.Options(operationTimeout: .seconds(300), maintainsProfiles: profiles)
            try await PostgresTestServer.withFreshStore(options: options) { store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                if segment {
                    let rule = try RuleExpression.compile("count(events, within: 7d) >= 3", schema: ProfileFields.schema)
                    try await store.createSegment(
                        Segment(id: SegmentID(unchecked: "seg_active"), name: "active", kind: .rule, rule: rule.description,
                                createdAt: Fixtures.now, updatedAt: Fixtures.now),
                        in: .default)
                }
                let clock = ContinuousClock()
                let started = clock.now
                var inserted = 0
                for batch in 0..<batches {
                    let events = Array(all[batch * batchSize..<(batch + 1) * batchSize])
                    inserted += try await store.append([EventBatch(workspace: .default, events: events)])[0].inserted
                }
                let elapsed = clock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                #expect(inserted == all.count)
                let rate = Int(Double(all.count) / seconds)
                print(
                    "postgres append, \(mode): batches of \(batchSize): \(all.count) events in "
                        + "\(String(format: "%.2f", seconds)) s = \(rate) events/s")
            }
        }
    }
}
