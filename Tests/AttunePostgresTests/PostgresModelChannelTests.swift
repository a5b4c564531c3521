import AttuneCore
import AttuneEngine
import AttunePostgres
import AttuneTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// A model published through one store instance (the leading worker) reaches another instance's
/// data directory (a replica) whole and byte for byte, where the registry serves it.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresModelChannelTests {
    /// Small chunks, so that every file spans several.
    static let chunkSize = 4_096

    @Test(.timeLimit(.minutes(5)))
    func aPublishedVersionIsAnnouncedCopiedByteForByteAndServed() async throws {
        try await Self.withTwoReplicas { trainer, replica, trainerFiles, replicaFiles in
            let registry = ModelRegistry(files: replicaFiles, logger: PostgresTestServer.logger)
            let (events, observer) = AsyncStream.makeStream(of: PostgresModelChannel.Event.self)
            let channel = PostgresModelChannel(
                models: PostgresModelStore(store: replica), files: replicaFiles,
                // No polling: only the announcement can bring the version in time.
                options: .init(pollInterval: .seconds(3_600)), logger: PostgresTestServer.logger,
                onMaterialised: { try? await registry.refreshOffThePool() }, observe: { observer.yield($0) })
            let running = Task { try await channel.run() }
            defer { running.cancel() }
            var seen = events.makeAsyncIterator()
            #expect(await seen.next() == .listening)

            let publisher = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
            for version in [1, 2] {
                let saved = try trainerFiles.save(try ModelSnapshot.syntheticALS(users: 60, items: 120, factors: 8, version: version))
                #expect(saved.metadata["index"] != nil, "the version has an index file too")
                try await publisher.publish(version: version, in: .default, from: trainerFiles, at: Fixtures.now)
                #expect(await seen.next() == .materialised(.default, version: version))
                for name in ["v\(version).model", "v\(version).index"] {
                    let sent = try Data(contentsOf: trainerFiles.folder(.default).appendingPathComponent(name))
                    let received = try Data(contentsOf: replicaFiles.folder(.default).appendingPathComponent(name))
                    #expect(sent == received, "\(name) byte for byte")
                    #expect(sent.count > Self.chunkSize)
                }
                #expect(registry.model(for: .default)?.version == version, "hot-swapped to the new version")
                #expect(registry.model(for: .default)?.indexSource == "loaded", "with its index, not rebuilt")
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: replicaFiles.folder(.default).path)
            #expect(Set(leftovers) == ["v1.model", "v1.index", "v2.model", "v2.index"], "no temporary files left")
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func aChannelStartedAfterPublishingCatchesUpWithTheNewestVersion() async throws {
        try await Self.withTwoReplicas { trainer, replica, trainerFiles, replicaFiles in
            let publisher = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
            var files = trainerFiles
            files.indexMinimumItems = 1_000_000
            for version in [1, 2] {
                try files.save(try ModelSnapshot.syntheticALS(users: 300, items: 400, factors: 8, seed: UInt64(version), version: version))
                try await publisher.publish(version: version, in: .default, from: files, at: Fixtures.now)
            }
            let (events, observer) = AsyncStream.makeStream(of: PostgresModelChannel.Event.self)
            let channel = PostgresModelChannel(
                models: PostgresModelStore(store: replica), files: replicaFiles, logger: PostgresTestServer.logger,
                observe: { observer.yield($0) })
            let running = Task { try await channel.run() }
            defer { running.cancel() }
            var seen = events.makeAsyncIterator()
            #expect(await seen.next() == .materialised(.default, version: 2))
            #expect(await seen.next() == .listening)
            #expect(replicaFiles.versions(in: .default) == [2], "the newest only: the one the registry would serve")
            let sent = try Data(contentsOf: files.folder(.default).appendingPathComponent("v2.model"))
            #expect(try Data(contentsOf: replicaFiles.folder(.default).appendingPathComponent("v2.model")) == sent)
            #expect(try await channel.catchUp() == 0, "nothing new")
        }
    }

    /// A chunk changed or missing in the database: the version is refused, nothing is written, and
    /// a later good version still comes through.
    @Test(.timeLimit(.minutes(5)))
    func aDamagedOrPartialVersionIsNeverMaterialised() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await Self.withTwoReplicas(configuration) { trainer, replica, trainerFiles, replicaFiles in
                let publisher = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
                var files = trainerFiles
                files.indexMinimumItems = 1_000_000
                let other = WorkspaceID(unchecked: "other")
                try await trainer.ensureWorkspace(other, at: Fixtures.now)
                let replicaModels = PostgresModelStore(store: replica)
                for workspace in [WorkspaceID.default, other] {
                    try files.save(try ModelSnapshot.syntheticALS(users: 300, items: 400, factors: 8, version: 1, workspace: workspace))
                    try await publisher.publish(version: 1, in: workspace, from: files, at: Fixtures.now)
                }
                // One byte changed in the default workspace's copy; the last chunk gone from the other's.
                try await PostgresTestServer.admin(configuration) { connection in
                    try await connection.query(
                        """
                        UPDATE model_chunks SET data = set_byte(data, 7, (get_byte(data, 7) + 1) % 256)
                        WHERE chunk = 1 AND workspace = (SELECT pk FROM workspaces WHERE name = 'default')
                        """, logger: PostgresTestServer.logger)
                    try await connection.query(
                        """
                        DELETE FROM model_chunks WHERE workspace = (SELECT pk FROM workspaces WHERE name = 'other')
                          AND chunk = (SELECT max(chunk) FROM model_chunks)
                        """, logger: PostgresTestServer.logger)
                }
                let changed = try await #require(throws: DamagedModelVersion.self) {
                    try await replicaModels.download(version: 1, in: .default)
                }
                #expect(changed.reason.contains("SHA-256"))
                let cut = try await #require(throws: DamagedModelVersion.self) { try await replicaModels.download(version: 1, in: other) }
                #expect(cut.reason.contains("chunks"), "\(cut.reason)")

                let (events, observer) = AsyncStream.makeStream(of: PostgresModelChannel.Event.self)
                let channel = PostgresModelChannel(
                    models: replicaModels, files: replicaFiles, logger: PostgresTestServer.logger, observe: { observer.yield($0) })
                let running = Task { try await channel.run() }
                defer { running.cancel() }
                var seen = events.makeAsyncIterator()
                let refusals = [await seen.next(), await seen.next()]
                #expect(Set(refusals) == [.refused(.default, version: 1), .refused(other, version: 1)])
                #expect(await seen.next() == .listening)
                #expect(try await channel.catchUp() == 0, "refused once, not downloaded again")

                try files.save(try ModelSnapshot.syntheticALS(users: 300, items: 400, factors: 8, version: 2))
                try await publisher.publish(version: 2, in: .default, from: files, at: Fixtures.now)
                #expect(await seen.next() == .materialised(.default, version: 2))
                let written = try FileManager.default.contentsOfDirectory(atPath: replicaFiles.directory.path)
                #expect(written == ["default"], "nothing of the other workspace's damaged version")
                let models = try FileManager.default.contentsOfDirectory(atPath: replicaFiles.folder(.default).path)
                #expect(models == ["v2.model"], "nothing of the damaged version, no temporary files")
            }
        }
    }

    /// The listening connection is ended by the server (a restart, an operator): the channel
    /// listens again and catches up with what was published while it was away.
    @Test(.timeLimit(.minutes(5)))
    func aListenerWhoseConnectionIsEndedListensAgainAndCatchesUp() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await Self.withTwoReplicas(configuration) { trainer, replica, trainerFiles, replicaFiles in
                var files = trainerFiles
                files.indexMinimumItems = 1_000_000
                let publisher = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
                let (events, observer) = AsyncStream.makeStream(of: PostgresModelChannel.Event.self)
                let channel = PostgresModelChannel(
                    models: PostgresModelStore(store: replica), files: replicaFiles,
                    options: .init(pollInterval: .seconds(3_600), reconnectDelay: .milliseconds(50)),
                    logger: PostgresTestServer.logger, observe: { observer.yield($0) })
                let running = Task { try await channel.run() }
                defer { running.cancel() }
                var seen = events.makeAsyncIterator()
                #expect(await seen.next() == .listening)
                for version in [1, 2] {
                    let ended = try await PostgresTestServer.admin(configuration) { connection in
                        let rows = try await connection.query(
                            """
                            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                            WHERE datname = current_database() AND query LIKE 'LISTEN%attune_models%'
                            """, logger: PostgresTestServer.logger)
                        var count = 0
                        for try await value in rows.decode(Int.self) { count = value }
                        return count
                    }
                    // Only the model channel's: the stores' consent listeners are left alone.
                    #expect(ended == 1, "the listener's backend")
                    // Published at once: the announcement may well find nobody listening.
                    try files.save(try ModelSnapshot.syntheticALS(users: 30, items: 40, factors: 4, version: version))
                    try await publisher.publish(version: version, in: .default, from: files, at: Fixtures.now)
                    // Caught up on listening again, or told once listening: either order.
                    let two = [await seen.next(), await seen.next()]
                    #expect(Set(two) == [.listening, .materialised(.default, version: version)])
                }
            }
        }
    }

    @Test func publishingIsCheckedAndAllOrNothing() async throws {
        try await Self.withTwoReplicas { trainer, _, trainerFiles, _ in
            let publisher = PostgresModelStore(store: trainer, chunkSize: Self.chunkSize)
            let model = PublishedModelFile(name: "v1.model", bytes: Array(repeating: 7, count: 10_000))
            #expect(try await publisher.nextVersion(in: .default) == 1)
            try await publisher.publish(version: 1, in: .default, files: [model], at: Fixtures.now)
            #expect(try await publisher.nextVersion(in: .default) == 2, "numbered by the database, not a local folder")
            #expect(try await publisher.nextVersion(in: WorkspaceID(unchecked: "nope")) == 1)
            let again = try await #require(throws: AttuneError.self) {
                try await publisher.publish(version: 1, in: .default, files: [model], at: Fixtures.now)
            }
            #expect(again.code == .conflict, "a version is never replaced")
            #expect(try await publisher.download(version: 1, in: .default) == [model])
            let badNames: [[PublishedModelFile]] = [
                [PublishedModelFile(name: "v2.index", bytes: [1])],
                [PublishedModelFile(name: "../v2.model", bytes: [1])],
                [PublishedModelFile(name: "v2.model", bytes: [1]), PublishedModelFile(name: "v2.model", bytes: [2])],
                [PublishedModelFile(name: "v3.model", bytes: [1])],
            ]
            for files in badNames {
                let error = try await #require(throws: AttuneError.self) {
                    try await publisher.publish(version: 2, in: .default, files: files, at: Fixtures.now)
                }
                #expect(error.code == .invalidValue)
            }
            let unknown = try await #require(throws: AttuneError.self) {
                try await publisher.publish(
                    version: 2, in: WorkspaceID(unchecked: "nope"), files: [PublishedModelFile(name: "v2.model", bytes: [1])],
                    at: Fixtures.now)
            }
            #expect(unknown.code == .notFound)
            let missing = try await #require(throws: AttuneError.self) {
                try await publisher.publish(version: 9, in: .default, from: trainerFiles, at: Fixtures.now)
            }
            #expect(missing.code == .notFound)
            #expect(try await publisher.latestVersions() == [.default: 1], "nothing of the refused publications")
            let none = try await #require(throws: AttuneError.self) { try await publisher.download(version: 2, in: .default) }
            #expect(none.code == .notFound)
        }
    }

    /// Two stores on one fresh database (the trainer's and a replica's), each with a data directory.
    static func withTwoReplicas(
        _ body: (PostgresStore, PostgresStore, ModelFiles, ModelFiles) async throws -> Void
    ) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await withTwoReplicas(configuration, body)
        }
    }

    static func withTwoReplicas(
        _ configuration: PostgresConfiguration, _ body: (PostgresStore, PostgresStore, ModelFiles, ModelFiles) async throws -> Void
    ) async throws {
        let logger = PostgresTestServer.logger
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("attune-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var trainerFiles = ModelFiles(dataDirectory: root.appendingPathComponent("trainer").path)
        trainerFiles.indexMinimumItems = 100
        let replicaFiles = ModelFiles(dataDirectory: root.appendingPathComponent("replica").path)
        try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: logger) { trainer in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: logger) { replica in
                try await trainer.ensureWorkspace(.default, at: Fixtures.now)
                try await body(trainer, replica, trainerFiles, replicaFiles)
            }
        }
    }
}
