import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct OnlineLearningTests {
    static func served(_ family: ModelFamily) async throws -> (ModelRegistry, TemporaryDirectory) {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        let files = ModelFiles(dataDirectory: directory.url.path)
        var tuner = ModelTuner()
        tuner.quick = true
        tuner.threads = 1
        _ = try await ModelTraining(store: store, files: files, clock: FixedClock()).run(workspace: .default, family: family, tuner: tuner)
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        registry.refresh()
        return (registry, directory)
    }

    static func score(_ registry: ModelRegistry, user: String, item: String) throws -> Float {
        let model = try #require(registry.model(for: .default))
        let u = try #require(model.snapshot.users.index(of: user))
        let i = try #require(model.snapshot.items.index(of: item))
        let history = Array(model.snapshot.seen.columns(ofRow: Int(u)))
        var scores = [Float](repeating: 0, count: model.snapshot.items.count)
        history.withUnsafeBufferPointer { h in
            [Float](repeating: 1, count: history.count).withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer { model.snapshot.model.recommender.score(user: Int(u), history: h, values: v, into: $0) }
            }
        }
        return scores[Int(i)] - scores.reduce(0, +) / Float(scores.count)
    }

    @Test func feedbackMovesAServedFactorisationMachineWithoutANewVersion() async throws {
        let (registry, directory) = try await Self.served(.fm)
        _ = directory
        let learning = OnlineLearning(registry: registry, logger: Logger(label: "test"))
        // a5 turns to an item of the other community, again and again.
        let before = try Self.score(registry, user: "a5", item: "B3")
        let events = (0..<200).map { Fixtures.event(90_000 + UInt64($0), user: "a5", item: "B3") }
        learning.record(events, in: .default)
        learning.record([Fixtures.event(99_999, user: "newcomer", item: "B3")], in: .default)
        #expect(learning.flush() == 200, "the unknown user waits for the next training")
        let after = try Self.score(registry, user: "a5", item: "B3")
        #expect(after > before, "\(before) -> \(after)")
        #expect(registry.model(for: .default)?.version == 1)
        #expect(learning.flush() == 0, "the queue is empty")
    }

    @Test func otherModelsAreLeftAlone() async throws {
        let (registry, directory) = try await Self.served(.als)
        _ = directory
        let learning = OnlineLearning(registry: registry, logger: Logger(label: "test"))
        learning.record([Fixtures.event(1, user: "a5", item: "B3")], in: .default)
        #expect(learning.flush() == 0)
    }
}
