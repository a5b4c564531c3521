import AttuneML

/// Exact candidate retrieval for factor models (ALS, BPR) on catalogues below the size that gets
/// an HNSW index (``FactorRetrieval``): ``NormBoundedSearch`` returns what scoring every item
/// would, but stops reading item factors once no remaining item can enter the top, instead of
/// reading the whole factor matrix on every request.
package struct FactorScan: Sendable {
    private enum Model: Sendable {
        case als(ImplicitALS)
        case bpr(BPR)
    }

    private let model: Model
    private let search: NormBoundedSearch

    /// A scan for `recommender` when it is a factor model, else `nil`.
    package init?(_ recommender: any Recommender) {
        if let als = recommender as? ImplicitALS {
            model = .als(als)
            search = NormBoundedSearch(itemFactors: als.itemFactors)
        } else if let bpr = recommender as? BPR {
            model = .bpr(bpr)
            search = NormBoundedSearch(itemFactors: bpr.itemFactors, itemBias: bpr.itemBias)
        } else {
            return nil
        }
    }

    /// Bytes of the search's own arrays: its copy of the item factors in norm order, and the order.
    package var ownedBytes: Int { search.ownedBytes }

    /// The best `count` items outside `history` (sorted), best first, with their model scores:
    /// the user's trained vector, or one folded in from `history` when `user` is `nil` (as the
    /// models' own `score` does).
    package func candidates(user: Int?, history: [Int32], count: Int) -> [(item: Int32, score: Float)] {
        candidates(user: user, history: history, excluding: history, count: count)
    }

    /// As ``candidates(user:history:count:)``, leaving out `excluded` (sorted) rather than the history.
    package func candidates(user: Int?, history: [Int32], excluding excluded: [Int32], count: Int) -> [(item: Int32, score: Float)] {
        let vector = factorVector(user: user, history: history)
        return vector.withUnsafeBufferPointer { search.top(userVector: $0, k: count, excluding: excluded) }
    }

    /// As ``candidates(user:history:excluding:count:)`` for a ``queryVector(user:history:)``
    /// already computed (a fold-in is computed once when new items are scored with it too).
    package func candidates(query: [Float], excluding excluded: [Int32], count: Int) -> [(item: Int32, score: Float)] {
        let d = if case .bpr = model { query.count - 1 } else { query.count }
        return query.withUnsafeBufferPointer { search.top(userVector: UnsafeBufferPointer(rebasing: $0[..<d]), k: count, excluding: excluded) }
    }

    /// The user's vector in retrieval space (``FactorRetrieval``): `[u]`, or `[u, 1]` for a model
    /// with item biases, so its dot product with `[vᵢ, bᵢ]` is the model's score.
    package func queryVector(user: Int?, history: [Int32]) -> [Float] {
        var vector = factorVector(user: user, history: history)
        if case .bpr = model { vector.append(1) }
        return vector
    }

    private func factorVector(user: Int?, history: [Int32]) -> [Float] {
        switch model {
        case .als(let als):
            if let u = user, u >= 0, u < als.userFactors.rowCount { als.userFactors.row(u) } else { als.foldIn(items: history) }
        case .bpr(let bpr):
            if let u = user, u >= 0, u < bpr.userFactors.rowCount { bpr.userFactors.row(u) } else { bpr.foldIn(items: history) }
        }
    }
}
