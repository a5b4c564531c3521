import AttuneML

/// Candidate retrieval for factor models over large catalogues: an HNSW index over the item
/// factors answers "the items with the largest `u · vᵢ (+ bᵢ)`" by visiting a few thousand
/// vectors instead of scoring every item, whose factor matrix no longer fits in cache and costs
/// a full memory scan per request.
///
/// Item biases (BPR) ride along as one more coordinate: the index holds `[vᵢ, bᵢ]` and queries
/// are `[u, 1]`, so the inner product is the model's score exactly.
///
/// Labels `0..<trained items` are the model's items; labels past them are items added to the
/// catalogue after training (``ColdItems``), inserted without a rebuild.
package struct FactorRetrieval: Sendable {
    private enum Model: Sendable {
        case als(ImplicitALS)
        case bpr(BPR)
    }

    private let model: Model
    package private(set) var index: HNSWIndex
    /// Serving catalogues at least this large get an index. Measured on 20,000 x 64 ALS factors
    /// (2 cores, loopback), a search with ef 128 cost as much CPU as scanning every item plus the
    /// top-k selection, so the index only pays on larger catalogues.
    package static let minimumItems = 50_000
    /// The beam width of a search, raised to the number of results wanted.
    package static let ef = 128
    /// How the index is built; saved with it.
    package static let configuration = HNSWIndex.Configuration(
        metric: .innerProduct, neighbors: 16, efConstruction: 100, efSearch: ef)

    /// An index for `recommender` when it is a factor model over a large catalogue, else `nil`.
    package init?(_ recommender: any Recommender, minimumItems: Int = FactorRetrieval.minimumItems, threads: Int = 2) {
        guard let index = Self.buildIndex(for: recommender, minimumItems: minimumItems, threads: threads) else { return nil }
        self.init(recommender, index: index)
    }

    /// Retrieval for `recommender` over an index built before (read with the snapshot). The
    /// caller has checked that the index belongs to this model (``ModelIndexFile``).
    package init?(_ recommender: any Recommender, index: HNSWIndex) {
        if let als = recommender as? ImplicitALS {
            model = .als(als)
        } else if let bpr = recommender as? BPR {
            model = .bpr(bpr)
        } else {
            return nil
        }
        self.index = index
    }

    /// The item factors of a factor model, and its item biases (BPR); `nil` for other models.
    /// The one place that knows which recommenders are factor models and how they score.
    package static func factors(of recommender: any Recommender) -> (factors: DenseMatrix, bias: [Float]?)? {
        if let als = recommender as? ImplicitALS { return (als.itemFactors, nil) }
        if let bpr = recommender as? BPR { return (bpr.itemFactors, bpr.itemBias) }
        return nil
    }

    /// The row-major retrieval vectors of a factor model (`[vᵢ]`, or `[vᵢ, bᵢ]` with biases) and
    /// their dimension; `nil` for other models.
    package static func vectors(of recommender: any Recommender) -> (values: [Float], dimension: Int)? {
        guard let (factors, bias) = factors(of: recommender) else { return nil }
        guard let bias else { return (factors.values, factors.columnCount) }
        let d = factors.columnCount + 1
        var vectors = [Float]()
        vectors.reserveCapacity(factors.rowCount * d)
        for i in 0..<factors.rowCount {
            vectors.append(contentsOf: factors.row(i))
            vectors.append(bias[i])
        }
        return (vectors, d)
    }

    /// The retrieval vector of item `item` of a factor model, as ``vectors(of:)`` holds it.
    package static func vector(of item: Int, in recommender: any Recommender) -> [Float]? {
        guard let (factors, bias) = factors(of: recommender), item >= 0, item < factors.rowCount else { return nil }
        return bias.map { factors.row(item) + [$0[item]] } ?? factors.row(item)
    }

    /// The retrieval dimension of a factor model (factors, plus one for a bias), else `nil`.
    package static func dimension(of recommender: any Recommender) -> Int? {
        factors(of: recommender).map { $0.factors.columnCount + ($0.bias == nil ? 0 : 1) }
    }

    /// Builds the index of `recommender` when it is a factor model over at least `minimumItems`
    /// items, else `nil`.
    /// - Complexity: O(n log n x efConstruction x M x d) expected, split over `threads`.
    package static func buildIndex(for recommender: any Recommender, minimumItems: Int, threads: Int) -> HNSWIndex? {
        guard let (vectors, d) = vectors(of: recommender) else { return nil }
        let n = vectors.count / d
        guard n >= minimumItems, n > 0 else { return nil }
        return try? HNSWIndex.build(vectors: vectors, dimension: d, configuration: configuration, threads: threads)
    }

    /// Adds (or restores) `labels` with their row-major retrieval vectors in one batch (one
    /// visited set for all); labels already live are left alone.
    /// - Complexity: O(m log n x efConstruction x M x d) expected for m vectors, plus a copy of
    ///   the index's arrays when another holder shares them (the served model being replaced whole).
    package mutating func insert(contentsOf vectors: [Float], labels: [Int32]) {
        let d = index.dimension
        guard vectors.count == labels.count * d else { return }
        var keptVectors: [Float] = []
        var keptLabels: [Int32] = []
        for (i, label) in labels.enumerated() where !index.contains(label) && !keptLabels.contains(label) {
            keptVectors.append(contentsOf: vectors[(i * d)..<((i + 1) * d)])
            keptLabels.append(label)
        }
        guard !keptLabels.isEmpty else { return }
        // Vectors come from the model or are means of its vectors: finite, of the index's width.
        try? index.insert(contentsOf: keptVectors, labels: keptLabels, threads: 1)
    }

    /// Tombstones `label`: it is never returned again and its slot stops entering result lists.
    package mutating func remove(label: Int32) {
        index.remove(label: label)
    }

    /// Brings back the node `label` was tombstoned in; `false` when there is none.
    package mutating func restore(label: Int32) -> Bool {
        index.restore(label: label)
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
