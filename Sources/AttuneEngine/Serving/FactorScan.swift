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

    /// The best `count` items outside `history` (sorted), best first, with their model scores:
    /// the user's trained vector, or one folded in from `history` when `user` is `nil` (as the
    /// models' own `score` does).
    package func candidates(user: Int?, history: [Int32], count: Int) -> [(item: Int32, score: Float)] {
        let vector: [Float]
        switch model {
        case .als(let als):
            vector = if let u = user, u >= 0, u < als.userFactors.rowCount { als.userFactors.row(u) } else { als.foldIn(items: history) }
        case .bpr(let bpr):
            vector = if let u = user, u >= 0, u < bpr.userFactors.rowCount { bpr.userFactors.row(u) } else { bpr.foldIn(items: history) }
        }
        return vector.withUnsafeBufferPointer { search.top(userVector: $0, k: count, excluding: history) }
    }
}
