import AttuneML

/// Candidate retrieval for factor models over large catalogues: an HNSW index over the item
/// factors answers "the items with the largest `u · vᵢ (+ bᵢ)`" by visiting a few thousand
/// vectors instead of scoring every item, whose factor matrix no longer fits in cache and costs
/// a full memory scan per request.
///
/// Item biases (BPR) ride along as one more coordinate: the index holds `[vᵢ, bᵢ]` and queries
/// are `[u, 1]`, so the inner product is the model's score exactly.
package struct FactorRetrieval: Sendable {
    private enum Model: Sendable {
        case als(ImplicitALS)
        case bpr(BPR)
    }

    private let model: Model
    package let index: HNSWIndex
    /// Serving catalogues at least this large get an index. Measured on 20,000 x 64 ALS factors
    /// (2 cores, loopback), a search with ef 128 cost as much CPU as scanning every item plus the
    /// top-k selection, so the index only pays on larger catalogues.
    package static let minimumItems = 50_000
    /// The beam width of a search, raised to the number of results wanted.
    package static let ef = 128

    /// An index for `recommender` when it is a factor model over a large catalogue, else `nil`.
    package init?(_ recommender: any Recommender, minimumItems: Int = FactorRetrieval.minimumItems, threads: Int = 2) {
        let factors: DenseMatrix
        let bias: [Float]
        if let als = recommender as? ImplicitALS {
            model = .als(als)
            (factors, bias) = (als.itemFactors, [])
        } else if let bpr = recommender as? BPR {
            model = .bpr(bpr)
            (factors, bias) = (bpr.itemFactors, bpr.itemBias)
        } else {
            return nil
        }
        guard factors.rowCount >= minimumItems, factors.rowCount > 0 else { return nil }
        let d = factors.columnCount + (bias.isEmpty ? 0 : 1)
        var vectors = [Float]()
        vectors.reserveCapacity(factors.rowCount * d)
        for i in 0..<factors.rowCount {
            vectors.append(contentsOf: factors.row(i))
            if !bias.isEmpty { vectors.append(bias[i]) }
        }
        guard let index = try? HNSWIndex.build(
            vectors: vectors, dimension: d,
            configuration: .init(metric: .innerProduct, neighbors: 16, efConstruction: 100, efSearch: Self.ef),
            threads: threads)
        else { return nil }
        self.index = index
    }

    /// The model's vector for a user: the trained one, or folded in from `history` for a user the
    /// model has not seen (or whose activity since training should count).
    func userVector(user: Int?, history: [Int32]) -> [Float] {
        switch model {
        case .als(let als):
            if let u = user, u >= 0, u < als.userFactors.rowCount { return als.userFactors.row(u) }
            return als.foldIn(items: history)
        case .bpr(let bpr):
            var vector =
                if let u = user, u >= 0, u < bpr.userFactors.rowCount { bpr.userFactors.row(u) } else { bpr.foldIn(items: history) }
            vector.append(1)
            return vector
        }
    }

    /// The best `count` items for the user outside `history` (sorted), best first, with their
    /// model scores; `nil` when the search fails (the caller then scans).
    package func candidates(user: Int?, history: [Int32], count: Int) -> [(item: Int32, score: Float)]? {
        let query = userVector(user: user, history: history)
        let want = min(index.count, count + history.count)
        guard want > 0, let found = try? index.search(query, k: want, ef: max(Self.ef, want), using: index.makeSearcher())
        else { return nil }
        var out: [(item: Int32, score: Float)] = []
        out.reserveCapacity(count)
        for neighbor in found where out.count < count {
            if history.binarySearchContains(neighbor.label) { continue }
            out.append((neighbor.label, neighbor.score))
        }
        return out
    }
}

extension Array where Element == Int32 {
    /// Membership in a sorted array.
    func binarySearchContains(_ value: Int32) -> Bool {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && self[lo] == value
    }
}
