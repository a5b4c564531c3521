import AttuneCore
import AttuneEngine
import AttunePostgres
import AttuneTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// What happens to published versions after publication: erasures rewrite them, pruning deletes
/// old ones, pins choose the one served; every replica follows through its model channel.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresModelMaintenanceTests {
    static let chunkSize = PostgresModelChannelTests.chunkSize

    static func digest(_ user: String) -> Set<[UInt8]> { [UserDigest.of(user)] }

    static func publish(_ version: Int, users: Int = 60, _ files: ModelFiles, _ models: PostgresModelStore) async throws {
        try files.save(try ModelSnapshot.syntheticALS(users: users, items: 80, factors: 4, seed: UInt64(version), version: version))
        try await models.publish(version: version, in: .default, from: files, at: Fixtures.now)
    }

    /// Whether `snapshot` names `user` (this target does not see the vocabulary's own API).
    static func holds(_ snapshot: ModelSnapshot, _ user: String) -> Bool {
        snapshot.redactingUsers(where: { $0 == user }) != nil
    }

    static func users(of version: Int, _ models: PostgresModelStore) async throws -> (snapshot: ModelSnapshot, revision: Int) {
        let (files, revision) = try await models.downloadRevision(version: version, in: .default)
        let snapshot = try #require(files.first { $0.name == "v\(version).model" })
        return (try ModelSnapshot(serialized: snapshot.bytes), revision)
    }

    @Test(.timeLimit(.minutes(5)))
    func anErasureRewritesEveryPublishedVersionAndReplicasCopyTheRewrite() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { trainer, replica, trainerFiles, replicaFiles in
            var files = trainerFiles
            files.indexMinimumItems = 1_000_000
            let models = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
            for version in [1, 2] { try await Self.publish(version, files, models) }
            let registry = ModelRegistry(files: replicaFiles, logger: PostgresTestServer.logger)
            let (seen, observer) = AsyncStream.makeStream(of: PostgresModelChannel.Event.self)
            let channel = PostgresModelChannel(
                models: PostgresModelStore(store: replica), files: replicaFiles, logger: PostgresTestServer.logger,
                onMaterialised: { try? await registry.refreshOffThePool() }, observe: { observer.yield($0) })
            var told = seen.makeAsyncIterator()
            #expect(try await channel.catchUp() == 1)
            #expect(await told.next() == .materialised(.default, version: 2))
            #expect(registry.model(for: .default).map { Self.holds($0.snapshot, "u3") } == true)

            // Two erasures at once, through two stores: neither undoes the other's rewrite.
            async let first = models.redact(erased: Self.digest("u3"), in: .default)
            async let second = PostgresModelStore(store: replica, chunkSize: Self.chunkSize).redact(erased: Self.digest("u5"), in: .default)
            #expect(try await [first, second] == [2, 2])
            for version in [1, 2] {
                let (users, revision) = try await Self.users(of: version, models)
                #expect(!Self.holds(users, "u3") && !Self.holds(users, "u5"), "v\(version)")
                #expect(Self.holds(users, "u4"), "the others kept")
                #expect(revision == 2)
            }
            #expect(try await models.redact(erased: Self.digest("u3").union(Self.digest("u5")), in: .default) == 0, "nothing left")

            #expect(try await channel.catchUp() == 1)
            #expect(await told.next() == .rewritten(.default, version: 2))
            let copy = try replicaFiles.load(version: 2, in: .default)
            #expect(!Self.holds(copy, "u3") && !Self.holds(copy, "u5"), "the replica's copy rewritten")
            let served = try #require(registry.model(for: .default))
            #expect(!Self.holds(served.snapshot, "u3") && !Self.holds(served.snapshot, "u5"), "and what it serves")
            #expect(try await channel.catchUp() == 0, "copied once")

            // A replica that starts afresh copies a rewritten version again (it cannot know its copy's revision).
            let restarted = PostgresModelChannel(models: PostgresModelStore(store: replica), files: replicaFiles, logger: PostgresTestServer.logger)
            #expect(try await restarted.catchUp() == 1)
            #expect(try await restarted.catchUp() == 0)
        }
    }

    /// A version whose stored copy is damaged cannot be read to be redacted, is never served, and
    /// may hold the erased id: the erasure deletes it (and its pin), and rewrites the others.
    @Test(.timeLimit(.minutes(5)))
    func anErasureDeletesADamagedVersionItCannotRewrite() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresModelChannelTests.withTwoReplicas(configuration) { trainer, _, trainerFiles, _ in
                var files = trainerFiles
                files.indexMinimumItems = 1_000_000
                let models = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
                for version in [1, 2] { try await Self.publish(version, files, models) }
                try await models.pin(1, in: .default, at: Fixtures.now)
                try await PostgresTestServer.admin(configuration) { connection in
                    try await connection.query(
                        "UPDATE model_chunks SET data = set_byte(data, 3, (get_byte(data, 3) + 1) % 256) WHERE version = 1 AND chunk = 0",
                        logger: PostgresTestServer.logger)
                }
                #expect(try await models.redact(erased: Self.digest("u3"), in: .default) == 2)
                let left = try await models.published(in: .default)
                #expect(left.revisions == [2: 1] && left.pinned == nil)
                #expect(try await !Self.holds(Self.users(of: 2, models).snapshot, "u3"))
            }
        }
    }

    /// Readers download while a version is rewritten again and again: each gets one revision whole
    /// (never a mix of two, which would fail its SHA-256 check and be refused for ever).
    @Test(.timeLimit(.minutes(5)))
    func aReaderNeverSeesAHalfRewrittenVersion() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { trainer, replica, trainerFiles, _ in
            var files = trainerFiles
            files.indexMinimumItems = 1_000_000
            let models = PostgresModelStore(store: trainer, chunkSize: 1_024)
            try await Self.publish(1, users: 400, files, models)
            let reader = PostgresModelStore(store: replica)
            let stop = Locked(false)
            let reading = Task { () throws -> [Int] in
                var revisions: [Int] = []
                repeat {
                    let (snapshot, revision) = try await Self.users(of: 1, reader)
                    #expect(Self.holds(snapshot, "u399"))
                    revisions.append(revision)
                } while !stop.withLock({ $0 })
                return revisions
            }
            for user in 0..<8 { #expect(try await models.redact(erased: Self.digest("u\(user)"), in: .default) == 1) }
            stop.withLock { $0 = true }
            let revisions = try await reading.value
            #expect(revisions == revisions.sorted(), "revisions only move forward")
            #expect(try await Self.users(of: 1, models).revision == 8)
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func pruningKeepsTheNewestThePinnedAndTheProtectedAndReplicasDropTheirCopies() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { trainer, replica, trainerFiles, replicaFiles in
            var files = trainerFiles
            files.indexMinimumItems = 1_000_000
            let models = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
            let (seen, observer) = AsyncStream.makeStream(of: PostgresModelChannel.Event.self)
            let channel = PostgresModelChannel(
                models: PostgresModelStore(store: replica), files: replicaFiles, logger: PostgresTestServer.logger,
                observe: { observer.yield($0) })
            var told = seen.makeAsyncIterator()
            try await Self.publish(1, files, models)
            try await channel.catchUp()
            for version in 2...5 { try await Self.publish(version, files, models) }
            try await channel.catchUp()
            #expect(replicaFiles.versions(in: .default) == [1, 5])
            try await models.pin(2, in: .default, at: Fixtures.now)
            #expect(try await channel.catchUp() == 2)
            #expect(replicaFiles.versions(in: .default) == [1, 2, 5] && replicaFiles.pinnedVersion(in: .default) == 2)
            #expect(await told.next() == .materialised(.default, version: 1))
            #expect(await told.next() == .materialised(.default, version: 5))
            #expect(await told.next() == .materialised(.default, version: 2))
            #expect(await told.next() == .pinned(.default, version: 2))

            #expect(try await models.prune(in: .default, keepNewest: 2, alsoKeep: [3]) == [1])
            #expect(try await models.published(in: .default).revisions.keys.sorted() == [2, 3, 4, 5])
            #expect(try await models.prune(in: .default, keepNewest: 2) == [3])
            #expect(try await models.prune(in: .default, keepNewest: 2) == [], "pinned: kept")
            #expect(try await channel.catchUp() == 1)
            #expect(await told.next() == .removed(.default, version: 1))
            #expect(replicaFiles.versions(in: .default) == [2, 5], "the pinned copy stays")

            let pruned = try await #require(throws: AttuneError.self) { try await models.pin(1, in: .default, at: Fixtures.now) }
            #expect(pruned.code == .notFound)
            #expect(try await models.prune(in: WorkspaceID(unchecked: "nope"), keepNewest: 1) == [])

            // A publisher prunes after each publication, sparing what its registry serves.
            try await models.pin(nil, in: .default, at: Fixtures.now)
            let publisher = PostgresModelPublisher(
                models: models, clock: FixedClock(), keepNewest: 1, logger: PostgresTestServer.logger, protected: { _ in [4] })
            try files.save(try ModelSnapshot.syntheticALS(users: 60, items: 80, factors: 4, version: 6))
            try await publisher.publish(version: 6, in: .default, from: files)
            #expect(try await publisher.versions(in: .default) == [4, 6])
            #expect(try await channel.catchUp() >= 1)
            // 2 was pinned, now pruned: its copy goes. 5 is newer than the kept 4, as a version saved
            // and not yet published would be: kept until it is older than every kept version.
            #expect(replicaFiles.versions(in: .default) == [5, 6])
            #expect(replicaFiles.pinnedVersion(in: .default) == nil)
        }
    }

    /// An operator pins through one store: another replica's registry serves the pinned version
    /// once told (announced, not polled), and the newest again when the pin is removed.
    @Test(.timeLimit(.minutes(5)))
    func aPinMadeThroughOneStoreIsServedByEveryReplica() async throws {
        try await PostgresModelChannelTests.withTwoReplicas { trainer, replica, trainerFiles, replicaFiles in
            var files = trainerFiles
            files.indexMinimumItems = 1_000_000
            let models = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
            let publisher = PostgresModelPublisher(models: models, clock: FixedClock(), logger: PostgresTestServer.logger)
            let registry = ModelRegistry(files: replicaFiles, logger: PostgresTestServer.logger)
            let (seen, observer) = AsyncStream.makeStream(of: PostgresModelChannel.Event.self)
            let channel = PostgresModelChannel(
                models: PostgresModelStore(store: replica), files: replicaFiles, options: .init(pollInterval: .seconds(3_600)),
                logger: PostgresTestServer.logger, onMaterialised: { try? await registry.refreshOffThePool() },
                observe: { observer.yield($0) })
            let running = Task { try await channel.run() }
            defer { running.cancel() }
            var told = seen.makeAsyncIterator()
            #expect(await told.next() == .listening)
            for version in [1, 2] {
                try await Self.publish(version, files, models)
                #expect(await told.next() == .materialised(.default, version: version))
            }
            #expect(registry.model(for: .default)?.version == 2)

            // What `attune models rollback` and `promote --latest` do, given the publisher.
            let pinning = ModelPinning(files: trainerFiles, publisher: publisher)
            #expect(try await pinning.rollback(in: .default) == (pinned: 1, was: 2))
            #expect(try await publisher.pinnedVersion(in: .default) == 1)
            #expect(await told.next() == .pinned(.default, version: 1))
            #expect(registry.model(for: .default)?.version == 1, "the pinned version served")
            let none = try await #require(throws: AttuneError.self) { try await pinning.rollback(in: .default) }
            #expect(none.code == .notFound, "nothing before v1")
            try await pinning.pin(nil, in: .default)
            #expect(await told.next() == .pinned(.default, version: nil))
            #expect(registry.model(for: .default)?.version == 2, "the newest again")

            let unknown = try await #require(throws: AttuneError.self) { try await publisher.pin(9, in: .default) }
            #expect(unknown.code == .notFound)
            let nowhere = try await #require(throws: AttuneError.self) { try await publisher.pin(1, in: WorkspaceID(unchecked: "nope")) }
            #expect(nowhere.code == .notFound)
            #expect(try await publisher.pinnedVersion(in: .default) == nil, "refused pins change nothing")
        }
    }
}
