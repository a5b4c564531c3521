import AttuneCore
import AttuneEngine
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// A retraining asked for through one process (a replica that saw the click-through drop) is a
/// job row that the leader, in another process, claims and trains once.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresRetrainingRequestsTests {
    /// A quick item-kNN retraining of the shared test events, published through `publisher`.
    static func scheduler(files: ModelFiles, registry: ModelRegistry, publisher: PostgresModelPublisher) async throws
        -> RetrainingScheduler
    {
        var schedule = RetrainingSchedule(interval: nil, minimumNewEvents: 1, family: .knn)
        schedule.tuner.quick = true
        return RetrainingScheduler(
            store: try await PostgresModelPublishingTests.eventStore(), files: files, registry: registry,
            clock: FixedClock(), schedule: schedule, logger: PostgresTestServer.logger, publisher: publisher)
    }

    @Test(.timeLimit(.minutes(5)))
    func aRequestThroughOneReplicaIsTrainedByTheLeaderOnAnother() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { replica, leader, _, leaderFiles in
            let logger = PostgresTestServer.logger
            try await replica.ensureWorkspace(.default, at: Fixtures.now)
            let asking = PostgresRetrainingRequests(
                queue: PostgresJobQueue(store: replica), clock: FixedClock(), workerName: "replica", logger: logger)
            #expect(try await asking.request(.default, reason: "click-through dropped"))
            #expect(try await !asking.request(.default, reason: "click-through dropped"), "one waiting absorbs the next")

            let registry = ModelRegistry(files: leaderFiles, logger: logger, promotionMargin: 1)
            let scheduler = try await Self.scheduler(
                files: leaderFiles, registry: registry,
                publisher: PostgresModelPublisher(models: PostgresModelStore(store: leader), clock: FixedClock(), logger: logger))
            let taking = PostgresRetrainingRequests(
                queue: PostgresJobQueue(store: leader), clock: FixedClock(), workerName: "leader", logger: logger)
            let runner = Task { try await taking.runner(scheduler).run() }
            defer { runner.cancel() }
            let deadline = ContinuousClock.now + .seconds(60)
            while registry.model(for: .default) == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(registry.model(for: .default)?.version == 1)
            // Taken, the request no longer absorbs a new one; and it was trained once.
            var queued = false
            while !queued, ContinuousClock.now < deadline {
                queued = try await asking.request(.default, reason: "again")
                if !queued { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(queued)
            while registry.model(for: .default)?.version != 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(registry.model(for: .default)?.version == 2, "the second request is trained")
            try await Task.sleep(for: .seconds(2))
            #expect(registry.model(for: .default)?.version == 2, "and only once")
        }
    }

    /// A training whose publication is refused by fencing (here: a fenced publisher outside any
    /// term, as a leader whose term ended) fails its job, to be run again by whoever leads, where
    /// "already training here" completes it.
    @Test(.timeLimit(.minutes(5)))
    func aRequestWhosePublicationIsFencedOffIsNotUsedUp() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { _, leader, _, leaderFiles in
            let logger = PostgresTestServer.logger
            try await leader.ensureWorkspace(.default, at: Fixtures.now)
            let queue = PostgresJobQueue(store: leader)
            let job = try await queue.enqueue(
                JobRequest(
                    kind: PostgresRetrainingRequests.kind, workspace: .default, payload: .object([("reason", .string("test"))]),
                    dedupKey: "retrain", maxAttempts: 3),
                at: Fixtures.now)
            let scheduler = try await Self.scheduler(
                files: leaderFiles, registry: ModelRegistry(files: leaderFiles, logger: logger, promotionMargin: 1),
                publisher: PostgresModelPublisher(
                    models: PostgresModelStore(store: leader), clock: FixedClock(), fenced: true, logger: logger))
            let taking = PostgresRetrainingRequests(queue: queue, clock: FixedClock(), workerName: "leader", logger: logger)
            let runner = Task { try await taking.runner(scheduler).run() }
            defer { runner.cancel() }
            let deadline = ContinuousClock.now + .seconds(120)
            var record = try await queue.record(job.id)
            while record?.attempts ?? 0 < 1 || record?.state == .running, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                record = try await queue.record(job.id)
            }
            #expect(record?.state != .done, "\(String(describing: record))")
            #expect(record?.lastError?.contains("outside the leader's term") == true, "\(String(describing: record))")
            #expect(try await PostgresModelStore(store: leader).published(in: .default).revisions.isEmpty)
        }
    }
}
