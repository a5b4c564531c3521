import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

/// A training with a ``ModelPublisher`` (PostgreSQL) numbers its version by the publisher and
/// publishes it after the save; without one (SQLite) nothing changes.
struct ModelPublisherTests {
    /// Records what it is asked; hands out numbers from `next`; fails publishing when told to.
    final class RecordingPublisher: ModelPublisher, Sendable {
        let next = Locked(7)
        let failing: Bool
        let published = Locked<[Int]>([])
        let redactions = Locked<[Set<[UInt8]>]>([])
        let onPublish: @Sendable () async throws -> Void

        init(failing: Bool = false, onPublish: @escaping @Sendable () async throws -> Void = {}) {
            self.failing = failing
            self.onPublish = onPublish
        }

        func reserveVersion(in workspace: WorkspaceID, atLeast: Int) async throws -> Int {
            next.withLock { value in
                value = max(value, atLeast)
                defer { value += 1 }
                return value
            }
        }

        func publish(version: Int, in workspace: WorkspaceID, from files: ModelFiles) async throws {
            #expect(files.versions(in: workspace).contains(version), "saved before it is published")
            if failing { throw AttuneError(code: .storage, message: "the database went away") }
            try await onPublish()
            published.withLock { $0.append(version) }
        }

        func redact(erased digests: Set<[UInt8]>, in workspace: WorkspaceID) async throws -> Int {
            redactions.withLock { $0.append(digests) }
            return 1
        }

        func versions(in workspace: WorkspaceID) async throws -> [Int] { published.withLock { $0 } }
        func pinnedVersion(in workspace: WorkspaceID) async throws -> Int? { nil }
        func pin(_ version: Int?, in workspace: WorkspaceID) async throws {}
    }

    @Test func aRetrainingIsNumberedByThePublisherAndPublishedAfterItsSave() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"), promotionMargin: 1)
        var schedule = RetrainingSchedule(interval: nil, minimumNewEvents: 1, family: .knn)
        schedule.tuner.quick = true
        let publisher = RecordingPublisher()
        let scheduler = RetrainingScheduler(
            store: store, files: files, registry: registry, clock: FixedClock(), schedule: schedule, logger: Logger(label: "test"),
            publisher: publisher)
        let first = try await scheduler.retrainNow(.default, reason: "test")
        #expect(first.version == 7, "the publisher's number, not the empty directory's 1")
        #expect(publisher.published.withLock { $0 } == [7])
        #expect(files.versions(in: .default) == [7])
        #expect(registry.model(for: .default)?.version == 7)
        let second = try await scheduler.retrainNow(.default, reason: "test")
        #expect(second.version == 8)
        #expect(publisher.published.withLock { $0 } == [7, 8])
    }

    @Test func aVersionThatFailsToPublishIsNotKeptLocally() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        var tuner = ModelTuner()
        tuner.quick = true
        let training = ModelTraining(store: store, files: files, clock: FixedClock(), publisher: RecordingPublisher(failing: true))
        let error = try await #require(throws: AttuneError.self) {
            try await training.run(workspace: .default, family: .knn, tuner: tuner)
        }
        #expect(error.code == .storage)
        #expect(files.versions(in: .default).isEmpty, "served everywhere or nowhere")
    }

    @Test func anErasureRedactsThePublishedVersionsToo() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        let publisher = RecordingPublisher()
        let receipt = try await UserErasure(store: store, clock: FixedClock(), registry: nil, files: files, publisher: publisher)
            .erase(UserID(unchecked: "a1"), in: .default, actor: "test")
        #expect(receipt != nil)
        let asked = publisher.redactions.withLock { $0 }
        #expect(asked.count == 1)
        #expect(asked.first?.contains(UserDigest.of(UserID(unchecked: "a1"))) == true)
    }

    /// A person erased after the training's last check and before its publication, whose erasure
    /// listed the published versions too early to see this one: the training redacts it itself.
    @Test func anErasureRacingThePublicationStillReachesThePublishedVersion() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        let publisher = RecordingPublisher(onPublish: {
            // The erasure finds no published version yet: it redacts the local files only.
            _ = try await UserErasure(store: store, clock: FixedClock(), registry: nil, files: ModelFiles(dataDirectory: "/nonexistent"))
                .erase(UserID(unchecked: "a1"), in: .default, actor: "test")
        })
        var tuner = ModelTuner()
        tuner.quick = true
        let saved = try await ModelTraining(store: store, files: files, clock: FixedClock(), publisher: publisher)
            .run(workspace: .default, family: .knn, tuner: tuner)
        let digest = UserDigest.of(UserID(unchecked: "a1"))
        #expect(publisher.redactions.withLock { $0 } == [[digest]], "the published copy redacted")
        let stored = try files.load(version: saved.version, in: .default)
        #expect(stored.users.index(of: "a1") == nil, "and the local one")
        #expect(stored.users.index(of: "a2") != nil)
    }
}
