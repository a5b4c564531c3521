import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

/// A training whose task is cancelled (a leader shutting down, or whose term was lost) stops at
/// its next epoch or candidate, and numbers, saves and publishes nothing.
struct TrainingCancellationTests {
    static func rows() -> [(user: String, item: String, time: Int64, weight: Float)] {
        var rows: [(user: String, item: String, time: Int64, weight: Float)] = []
        var rng = SeededGenerator(seed: 3)
        for u in 0..<60 {
            for k in 0..<25 {
                rows.append(("u\(u)", "i\((u % 2) * 40 + Int(rng.next() % 40))", Int64(k), 1))
            }
        }
        return rows
    }

    @Test(arguments: [ModelFamily.als, .bpr, .item2vec, .fm, .knn, .hybrid])
    func aRaisedStopEndsTheTuningOfEveryFamily(_ family: ModelFamily) throws {
        var tuner = ModelTuner()
        tuner.threads = 1
        tuner.quick = true
        let log = InteractionLog(rows: Self.rows())
        let stop = TrainingStop()
        stop.request()
        #expect(throws: CancellationError.self) {
            try TrainingStop.run(stop) { _ = try tuner.train(log, family: family) }
        }
        // The same training without the stop succeeds: the stop, not the data, ended it.
        _ = try TrainingStop.run(TrainingStop()) { try tuner.train(log, family: family) }
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingTheTaskRaisesTheStopOfTheThreadThatTrains() async throws {
        let started = Flag()
        let task = Task {
            try await ModelTraining.stoppableOffTheCooperativePool { () -> Int in
                started.set()
                // A fit reads the stop once per epoch; this one has nothing else to do.
                while !TrainingStop.requested { usleep(1_000) }
                return 1
            }
        }
        while !started.isSet { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test func aCancelledTrainingNumbersSavesAndPublishesNothing() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        let publisher = ModelPublisherTests.RecordingPublisher()
        var tuner = ModelTuner()
        tuner.quick = true
        let training = ModelTraining(store: store, files: files, clock: FixedClock(), publisher: publisher)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await training.run(workspace: .default, family: .als, tuner: tuner)
        }
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(files.versions(in: .default).isEmpty)
        #expect(publisher.published.withLock { $0 }.isEmpty)
        #expect(publisher.next.withLock { $0 } == 7, "no version reserved")
    }
}
