import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

struct RetrainingSchedulerTests {
    static func scheduler(_ store: SQLiteStore, interval: Duration?, minimumNewEvents: Int)
        -> (RetrainingScheduler, ModelRegistry, TemporaryDirectory)
    {
        let directory = try! TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"), promotionMargin: 1)
        var schedule = RetrainingSchedule(interval: interval, minimumNewEvents: minimumNewEvents, family: .knn)
        schedule.tuner.quick = true
        let scheduler = RetrainingScheduler(
            store: store, files: files, registry: registry, clock: FixedClock(), schedule: schedule, logger: Logger(label: "test"))
        return (scheduler, registry, directory)
    }

    @Test func retrainsOnlyWhenEnoughNewEventsArrivedAndPromotesTheResult() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let (scheduler, registry, directory) = Self.scheduler(store, interval: nil, minimumNewEvents: 50)
        _ = directory
        let first = try #require(try await scheduler.retrainIfDue(.default))
        #expect(first.version == 1)
        #expect(first.metadata["storedEvents"] == .number(800))
        #expect(registry.model(for: .default)?.version == 1)
        #expect(try await scheduler.retrainIfDue(.default) == nil, "no new events")

        let few = (0..<49).map { Fixtures.event(10_000 + UInt64($0), user: "a\($0 % 40)", item: "A\($0 % 30)") }
        _ = try await store.append([EventBatch(workspace: .default, events: few)])
        #expect(try await scheduler.retrainIfDue(.default) == nil, "49 < 50 new events")
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(20_000, user: "b1", item: "B1")])])
        let second = try #require(try await scheduler.retrainIfDue(.default))
        #expect(second.version == 2)
        #expect(registry.model(for: .default)?.version == 2)
    }

    @Test(.timeLimit(.minutes(1)))
    func runsOnItsIntervalUntilShutdown() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let (scheduler, registry, directory) = Self.scheduler(store, interval: .milliseconds(20), minimumNewEvents: 1)
        _ = directory
        let task = Task { try await scheduler.run() }
        // Until the model is there, however long a loaded machine takes: the cancellation below
        // stops a training in flight, which then saves nothing.
        while registry.model(for: .default) == nil {
            try await Task.sleep(for: .milliseconds(25))
        }
        task.cancel()
        _ = try? await task.value
        #expect(registry.model(for: .default)?.version == 1)
    }

    @Test func withoutAnIntervalItDoesNothing() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let (scheduler, registry, directory) = Self.scheduler(store, interval: nil, minimumNewEvents: 1)
        _ = directory
        try await scheduler.run()
        #expect(registry.model(for: .default) == nil)
    }
}
