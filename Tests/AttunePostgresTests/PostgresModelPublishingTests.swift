import AttuneCore
import AttuneEngine
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

/// Trainings publish through ``PostgresModelPublisher``: numbered by the database, so that
/// trainers on several machines never make the same version, and copied to every replica.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresModelPublishingTests {
    @Test(.timeLimit(.minutes(5)))
    func aRetrainingIsPublishedUnderADatabaseNumberAndServedByAnotherReplica() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { trainer, replica, trainerFiles, replicaFiles in
            let logger = PostgresTestServer.logger
            let events = try await Self.eventStore()
            let trainerRegistry = ModelRegistry(files: trainerFiles, logger: logger, promotionMargin: 1)
            let publisher = PostgresModelPublisher(
                models: PostgresModelStore(store: trainer, chunkSize: PostgresModelChannelTests.chunkSize), clock: FixedClock(),
                logger: logger, registry: trainerRegistry)
            // A number handed to a trainer that died before publishing: never handed out again.
            #expect(try await publisher.reserveVersion(in: .default, atLeast: 1) == 1)

            let replicaRegistry = ModelRegistry(files: replicaFiles, logger: logger)
            let (seen, observer) = AsyncStream.makeStream(of: PostgresModelChannel.Event.self)
            let channel = PostgresModelChannel(
                models: PostgresModelStore(store: replica), files: replicaFiles, options: .init(pollInterval: .seconds(3_600)),
                logger: logger, onMaterialised: { try? await replicaRegistry.refreshOffThePool() }, observe: { observer.yield($0) })
            let running = Task { try await channel.run() }
            defer { running.cancel() }
            var told = seen.makeAsyncIterator()
            #expect(await told.next() == .listening)

            var schedule = RetrainingSchedule(interval: nil, minimumNewEvents: 1, family: .knn)
            schedule.tuner.quick = true
            let scheduler = RetrainingScheduler(
                store: events, files: trainerFiles, registry: trainerRegistry, clock: FixedClock(), schedule: schedule, logger: logger,
                publisher: publisher)
            let trained = try await scheduler.retrainNow(.default, reason: "test")
            #expect(trained.version == 2, "numbered by the database: the empty local directory would say 1")
            #expect(trainerRegistry.model(for: .default)?.version == 2)
            #expect(await told.next() == .materialised(.default, version: 2))
            #expect(replicaRegistry.model(for: .default)?.version == 2, "the replica serves it")
            let sent = try Data(contentsOf: trainerFiles.folder(.default).appendingPathComponent("v2.model"))
            #expect(try Data(contentsOf: replicaFiles.folder(.default).appendingPathComponent("v2.model")) == sent)
            #expect(try await publisher.versions(in: .default) == [2])

            let again = try await scheduler.retrainNow(.default, reason: "test")
            #expect(again.version == 3)
            #expect(await told.next() == .materialised(.default, version: 3))
            #expect(replicaRegistry.model(for: .default)?.version == 3)
        }
    }

    /// Two trainers (two stores, two data directories, as on two machines) reserve and publish at
    /// once: every version is published, none twice, no publication is refused as a conflict.
    @Test(.timeLimit(.minutes(5)))
    func racingPublishersNeverMakeTheSameVersion() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { first, second, firstFiles, secondFiles in
            let logger = PostgresTestServer.logger
            var trainers: [(PostgresModelPublisher, ModelFiles)] = []
            for (store, files) in [(first, firstFiles), (second, secondFiles)] {
                var files = files
                files.indexMinimumItems = 1_000_000
                trainers.append((PostgresModelPublisher(models: PostgresModelStore(store: store), clock: FixedClock(), keepNewest: nil, logger: logger), files))
            }
            let made = try await withThrowingTaskGroup(of: [Int].self) { group in
                for (publisher, files) in trainers {
                    group.addTask {
                        var mine: [Int] = []
                        for _ in 0..<6 {
                            let version = try await publisher.reserveVersion(in: .default, atLeast: files.nextVersion(in: .default))
                            try files.save(try ModelSnapshot.syntheticALS(users: 20, items: 30, factors: 4, version: version))
                            try await publisher.publish(version: version, in: .default, from: files)
                            mine.append(version)
                        }
                        return mine
                    }
                }
                var all: [Int] = []
                for try await mine in group { all += mine }
                return all
            }
            #expect(Set(made).count == 12, "\(made.sorted())")
            #expect(try await trainers[0].0.versions(in: .default) == made.sorted())

            // Reservations alone, many at once from both stores.
            let reserved = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 {
                    let publisher = trainers[index % 2].0
                    group.addTask { try await publisher.reserveVersion(in: .default, atLeast: 1) }
                }
                var all: [Int] = []
                for try await version in group { all.append(version) }
                return all
            }
            #expect(Set(reserved).count == 40)
            #expect(reserved.min()! > made.max()!, "above every version published")
            #expect(try await trainers[1].0.reserveVersion(in: .default, atLeast: 1_000) == 1_000, "never below the local directory's next")
            #expect(try await trainers[0].0.reserveVersion(in: .default, atLeast: 1) == 1_001)
        }
    }

    /// Two communities of users, each viewing items of its own.
    static func eventStore() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        var events: [Event] = []
        var n: UInt64 = 0
        for community in ["a", "b"] {
            for user in 0..<30 {
                for item in 0..<8 {
                    n += 1
                    events.append(Fixtures.event(
                        n, user: "\(community)\(user)", item: "\(community.uppercased())\((user + item * 3) % 20)", at: Int64(n) * 1_000))
                }
            }
        }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        return store
    }
}
