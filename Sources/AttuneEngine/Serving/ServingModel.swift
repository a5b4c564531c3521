import AttuneCore
import AttuneML

/// One loaded snapshot, ready to answer requests: immutable, shared by all requests, replaced
/// whole when a newer version is promoted.
package struct ServingModel: Sendable {
    package private(set) var snapshot: ModelSnapshot
    package let similarity: ItemSimilarity
    /// Items by training popularity, best first (the fallback for users without history).
    package let popular: [Int32]
    package let audience: Audience
    /// Approximate top-k over item factors for factor models on large catalogues.
    package let retrieval: FactorRetrieval?
    /// Exact pruned top-k for factor models on catalogues without an index.
    package let scan: FactorScan?

    /// Whether `popular` leads with the time-decayed trending list saved at training.
    package let trending: Bool
    /// The half of the items with the fewest training interactions, fewest first: where the model
    /// knows least, and so where exploration slots learn most.
    package let uncertain: [Int32]

    package init(snapshot: ModelSnapshot) {
        self.snapshot = snapshot
        // One transposition of the training matrix serves both item similarity and audiences.
        let usersByItem = snapshot.seen.transposed()
        similarity = ItemSimilarity(snapshot: snapshot, usersByItem: usersByItem)
        // Trending first (decayed with a week's half-life at training), then all-time counts.
        var order: [Int32] = []
        if case .array(let ids)? = snapshot.metadata["trending"] {
            order = ids.compactMap { $0.stringValue.flatMap(snapshot.items.index(of:)) }
        }
        trending = !order.isEmpty
        let listed = Set(order)
        let allTime = snapshot.popularItems()
        popular = order + allTime.filter { !listed.contains($0) }
        uncertain = Array(allTime.suffix(allTime.count / 2).reversed())
        audience = Audience(snapshot: snapshot, usersByItem: usersByItem)
        retrieval = FactorRetrieval(snapshot.model.model)
        scan = retrieval == nil ? FactorScan(snapshot.model.model) : nil
    }

    package var version: Int { snapshot.version }

    /// The same model with another user vocabulary of the same size (erased users replaced by
    /// placeholders): everything derived from the snapshot is by index, so nothing else changes.
    package func replacingUsers(_ users: Vocabulary<String>) -> ServingModel {
        precondition(users.count == snapshot.users.count, "a user vocabulary swap must keep every index")
        var copy = self
        copy.snapshot.users = users
        return copy
    }

    /// Scored candidates for a user, best first, skipping `excluded` (dense indices, sorted).
    /// Returns `nil` when the model cannot personalise (unknown user and no usable history).
    package func personalised(user: String, extraHistory: [Int32], count: Int) -> [(item: Int32, score: Float)]? {
        let known = snapshot.users.index(of: user)
        let trained = known.map { Array(snapshot.seen.columns(ofRow: Int($0))) } ?? []
        let history = Array(Set(trained + extraHistory)).sorted()
        guard !history.isEmpty else { return nil }
        // A user the model has not seen is scored from their history alone (fold-in for factor
        // models, neighbours for item-kNN); popularity cannot personalise.
        if snapshot.family == .popular { return nil }
        // A pure factor model would ignore activity since training behind the user's stored vector;
        // folding the whole history in instead makes a new event count at once. Models that read
        // the history themselves (neighbours, content, sequences, blends of them) keep the index.
        let hasNewActivity = history.count > trained.count
        let foldsIn = hasNewActivity && [.als, .bpr].contains(snapshot.family)
        let userIndex = foldsIn ? nil : known.map(Int.init)
        if let retrieval, let found = retrieval.candidates(user: userIndex, history: history, count: count) {
            return found
        }
        if let scan { return scan.candidates(user: userIndex, history: history, count: min(count, snapshot.items.count)) }
        var scores = [Float](repeating: 0, count: snapshot.items.count)
        let values = [Float](repeating: 1, count: history.count)
        history.withUnsafeBufferPointer { h in
            values.withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer { s in
                    snapshot.model.recommender.score(user: userIndex, history: h, values: v, into: s)
                }
            }
        }
        var selector = TopKSelector(k: min(count, snapshot.items.count))
        return selector.select(scores: scores, excluding: history).map { ($0, scores[Int($0)]) }
    }

    /// The history item most similar to `item`, for a "similar to X" reason.
    package func closestHistoryItem(to item: Int32, history: [Int32]) -> Int32? {
        var best: (Int32, Float)?
        for h in history {
            let s = similarity.similarity(item, h)
            if s > 0, best == nil || s > best!.1 { best = (h, s) }
        }
        return best?.0
    }
}
