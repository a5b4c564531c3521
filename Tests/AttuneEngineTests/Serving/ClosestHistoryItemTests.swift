import AttuneEngine
import AttuneML
import Testing

/// The batched "similar to X" anchor search must pick what comparing each pair one by one picks:
/// the first history item of highest positive similarity, or none.
struct ClosestHistoryItemTests {
    static func oneByOne(_ model: ServingModel, _ item: Int32, _ history: [Int32]) -> Int32? {
        var best: (item: Int32, similarity: Float)?
        for h in history {
            let s = model.similarity.similarity(item, h)
            if s > 0, best == nil || s > best!.similarity { best = (h, s) }
        }
        return best?.item
    }

    @Test func batchedAnchorsAreThePairwiseBest() throws {
        let model = ServingModel(snapshot: try ModelSnapshot.syntheticALS(users: 50, items: 400, factors: 16, interactionsPerUser: 4))
        #expect(model.similarity.factorDimension == 16)
        var rng = SystemRandomNumberGenerator()
        for round in 0..<200 {
            // Labels outside the model (negative, past the end) are never anchors and get none.
            let history = (0..<(round % 35)).map { _ in Int32.random(in: -2..<405, using: &rng) }
            let items = (0..<(1 + round % 12)).map { _ in Int32.random(in: -2..<405, using: &rng) }
            let batched = model.closestHistoryItems(to: items, history: history)
            #expect(batched == items.map { Self.oneByOne(model, $0, history) })
        }
        #expect(model.closestHistoryItems(to: [], history: [1, 2]).isEmpty)
        #expect(model.closestHistoryItems(to: [1, 2], history: []) == [nil, nil])
        // An item is its own closest history item (cosine 1).
        #expect(model.closestHistoryItems(to: [7], history: [3, 7, 9]) == [7])
    }
}
