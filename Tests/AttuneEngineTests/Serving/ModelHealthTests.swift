import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct ModelHealthTests {
    typealias Counts = ClickThroughTracker.Counts

    @Test func aSignificantDropBelowTheBestEarlierVersionIsFlagged() throws {
        let policy = ModelHealthPolicy(ratio: 0.8, minimumImpressions: 1_000, alpha: 0.01)
        let history: [Int: Counts] = [1: Counts(impressions: 5_000, clicks: 400), 2: Counts(impressions: 5_000, clicks: 500)]
        // v3 at 5% against v2's 10%: well below 0.8 × 10%.
        let evidence = try #require(policy.verdict(current: 3, counts: history.merging([3: Counts(impressions: 4_000, clicks: 200)]) { $1 }))
        #expect(evidence.contains("model v3 click-through 0.05 (200/4000)"))
        #expect(evidence.contains("v2's 0.1 (500/5000)"))
        // Slightly below the threshold with little data is noise, not a drop.
        #expect(policy.verdict(current: 3, counts: history.merging([3: Counts(impressions: 1_000, clicks: 78)]) { $1 }) == nil)
        // Healthy, unjudged (too few impressions) or without a baseline: nothing.
        #expect(policy.verdict(current: 3, counts: history.merging([3: Counts(impressions: 4_000, clicks: 390)]) { $1 }) == nil)
        #expect(policy.verdict(current: 3, counts: history.merging([3: Counts(impressions: 999, clicks: 0)]) { $1 }) == nil)
        #expect(policy.verdict(current: 1, counts: [1: Counts(impressions: 9_000, clicks: 1)]) == nil)
        #expect(policy.verdict(current: 2, counts: [1: Counts(impressions: 5_000, clicks: 0), 2: Counts(impressions: 5_000, clicks: 0)]) == nil)
    }

    @Test func impressionsAndClicksAreCountedPerEchoedModelVersion() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ctr-\(UUID().uuidString)").path
        let tracker = ClickThroughTracker(registry: ModelRegistry(files: ModelFiles(dataDirectory: directory), logger: Logger(label: "t")))
        func event(_ n: UInt64, _ type: String, version: Int?) -> Event {
            Event(
                id: Fixtures.eventID(n), type: EventType(unchecked: type), userID: UserID(unchecked: "u"),
                properties: version.map { #"{"modelVersion":\#($0),"recommendationId":"r"}"# }, timestamp: Fixtures.now,
                receivedAt: Fixtures.now)
        }
        tracker.record(
            [event(1, "impression", version: 4), event(2, "impression", version: 4), event(3, "click", version: 4),
             event(4, "impression", version: 12), event(5, "view", version: 4),
             // Without an echoed version and with no model served, the event cannot be attributed.
             event(6, "impression", version: nil),
             // A click on something that is not a recommendation list (no recommendationId).
             Event(
                id: Fixtures.eventID(7), type: .click, userID: UserID(unchecked: "u"), itemID: ItemID(unchecked: "i"),
                properties: #"{"modelVersion":4}"#, timestamp: Fixtures.now, receivedAt: Fixtures.now)],
            in: .default)
        let counts = tracker.counts(in: .default)
        #expect(counts[4] == Counts(impressions: 2, clicks: 1))
        #expect(counts[12] == Counts(impressions: 1, clicks: 0))
        #expect(counts.count == 2)
        #expect(tracker.counts(in: WorkspaceID(unchecked: "other")).isEmpty)
    }

    /// A process that does not lead when the drop is seen (a `serve --role all` beside the worker)
    /// must still retrain once it leads: the alert is raised once, the retraining asked for again.
    @Test func aDropIsAlertedOnceAndRetrainedOnceThisProcessMayRetrain() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        for _ in 0..<2 {
            _ = try await ModelTraining(store: store, files: files, clock: FixedClock())
                .run(workspace: .default, family: .popular, tuner: ModelTuner())
        }
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        registry.refresh()
        #expect(registry.model(for: .default)?.version == 2)
        let tracker = ClickThroughTracker(registry: registry)
        var events: [Event] = []
        // v1 clicked 10% of the time, v2 2%: a drop by any policy.
        for (version, clicks) in [(1, 100), (2, 20)] {
            for n in 0..<1_000 {
                for type in n < clicks ? ["impression", "click"] : ["impression"] {
                    events.append(
                        Event(
                            id: Fixtures.eventID(UInt64(events.count + 1)), type: EventType(unchecked: type),
                            userID: UserID(unchecked: "u\(n)"),
                            properties: #"{"modelVersion":\#(version),"recommendationId":"r\#(n)"}"#,
                            timestamp: Fixtures.now, receivedAt: Fixtures.now))
                }
            }
        }
        tracker.record(events, in: .default)
        let leads = Locked(false)
        let calls = Locked(0)
        let monitor = ModelHealthMonitor(
            tracker: tracker, registry: registry,
            policy: ModelHealthPolicy(ratio: 0.8, minimumImpressions: 500, alpha: 0.01), interval: .seconds(60),
            logger: Logger(label: "test"),
            retrain: { _ in
                calls.withLock { $0 += 1 }
                return leads.withLock { $0 }
            })
        #expect(await monitor.check().count == 1, "the drop is alerted")
        #expect(calls.withLock { $0 } == 1)
        #expect(await monitor.check().isEmpty, "alerted once per version")
        #expect(calls.withLock { $0 } == 2, "not leading, the retraining is asked for again")
        leads.withLock { $0 = true }
        #expect(await monitor.check().isEmpty)
        #expect(calls.withLock { $0 } == 3, "leading now, it retrains")
        _ = await monitor.check()
        #expect(calls.withLock { $0 } == 3, "retrained once per version")

        let alertOnly = ModelHealthMonitor(
            tracker: tracker, registry: registry,
            policy: ModelHealthPolicy(ratio: 0.8, minimumImpressions: 500, alpha: 0.01), interval: .seconds(60),
            logger: Logger(label: "test"), retrain: nil)
        #expect(await alertOnly.check().count == 1)
        #expect(await alertOnly.check().isEmpty)
    }
}
