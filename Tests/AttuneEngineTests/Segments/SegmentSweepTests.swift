import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Logging
import Testing

/// The hourly sweep re-evaluates rule segments and records every segment's size, which the
/// dashboard draws over time.
struct SegmentSweepTests {
    @Test func eachRoundRecordsEverySegmentsSize() async throws {
        let store = try SQLiteStore()
        let clock = FixedClock()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let segment = try await SegmentService(store: store, clock: clock)
            .create(try SegmentDefinition(name: "active", rule: "traits.events >= 1"), in: .default)
        _ = try await store.append([EventBatch(workspace: .default, events: (0..<3).map { Fixtures.event(UInt64($0), user: "u\($0)") })])
        let sweep = SegmentSweep(store: store, clock: clock, interval: .milliseconds(20), logger: Logger(label: "test"))
        let running = Task { try await sweep.run() }
        defer { running.cancel() }
        var recorded: [SegmentSize] = []
        // Polls for the first round's record; the test fails only if none ever comes.
        for _ in 0..<250 where recorded.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            recorded = try await store.segmentSizes(in: .default, since: Timestamp(millisecondsSinceEpoch: 0))[segment.id] ?? []
        }
        #expect(recorded.first == SegmentSize(time: clock.now(), members: 3))
    }
}
