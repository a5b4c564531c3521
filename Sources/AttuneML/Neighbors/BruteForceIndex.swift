/// Exact top-k vector search by scoring every stored vector: the oracle for ``HNSWIndex`` and the
/// right choice for small catalogues.
///
/// Vectors live row-major in one `[Float]`; removal moves the last row into the hole, so the
/// storage stays dense and a query is one pass over contiguous memory. Ties are broken by the
/// smaller label.
package struct BruteForceIndex: VectorIndex, Equatable {
    package let metric: VectorMetric
    package let dimension: Int
    /// `count * dimension` values (unit-normalised under cosine), row `r` belonging to `labels[r]`.
    package private(set) var vectors: [Float] = []
    /// The label of each row.
    package private(set) var labels: [Int32] = []
    private var rowOfLabel: [Int32: Int] = [:]

    /// An empty index.
    /// - Throws: `AttuneMLError.invalidArgument` when `dimension <= 0`.
    package init(dimension: Int, metric: VectorMetric) throws {
        try VectorChecks.checkDimension(dimension)
        self.dimension = dimension
        self.metric = metric
    }

    /// An index over `rowCount = vectors.count / dimension` rows, labelled `0..<rowCount` unless
    /// `labels` is given.
    /// - Throws: `AttuneMLError.dimensionMismatch` when `vectors.count` is not a multiple of
    ///   `dimension` or `labels` has the wrong length; `AttuneMLError.invalidArgument` for
    ///   duplicate or negative labels or non-finite values.
    /// - Complexity: O(n d).
    package init(vectors: [Float], dimension: Int, metric: VectorMetric, labels: [Int32]? = nil) throws {
        try self.init(dimension: dimension, metric: metric)
        guard vectors.count % dimension == 0 else {
            throw AttuneMLError.dimensionMismatch("\(vectors.count) values is not a multiple of dimension \(dimension)")
        }
        let n = vectors.count / dimension
        let labels = labels ?? (0..<n).map { Int32($0) }
        guard labels.count == n else {
            throw AttuneMLError.dimensionMismatch("\(labels.count) labels for \(n) vectors")
        }
        guard vectors.allSatisfy(\.isFinite) else {
            throw AttuneMLError.invalidArgument("vectors hold a non-finite value")
        }
        var seen = Set<Int32>(minimumCapacity: n)
        for label in labels {
            try VectorChecks.checkLabel(label)
            guard seen.insert(label).inserted else { throw AttuneMLError.invalidArgument("duplicate label \(label)") }
        }
        self.vectors = [Float](repeating: 0, count: vectors.count)
        self.vectors.withUnsafeMutableBufferPointer { out in
            vectors.withUnsafeBufferPointer { src in
                for r in 0..<n {
                    VectorChecks.prepare(
                        src.baseAddress! + r * dimension, into: out.baseAddress! + r * dimension,
                        dimension: dimension, metric: metric)
                }
            }
        }
        self.labels = labels
        rowOfLabel.reserveCapacity(n)
        for (r, label) in labels.enumerated() { rowOfLabel[label] = r }
    }

    package var count: Int { labels.count }

    /// Whether `label` is stored.
    package func contains(_ label: Int32) -> Bool { rowOfLabel[label] != nil }

    /// Adds one vector.
    /// - Throws: `AttuneMLError.dimensionMismatch` for a wrong length, `AttuneMLError.invalidArgument`
    ///   for a non-finite value or a negative or already stored label. The index is unchanged on error.
    /// - Complexity: O(d) amortised.
    package mutating func insert(_ vector: [Float], label: Int32) throws {
        try VectorChecks.checkVector(vector, dimension: dimension, what: "vector")
        try VectorChecks.checkLabel(label)
        guard rowOfLabel[label] == nil else { throw AttuneMLError.invalidArgument("label \(label) is already stored") }
        let start = vectors.count
        vectors.append(contentsOf: repeatElement(0, count: dimension))
        let (d, m) = (dimension, metric)
        vectors.withUnsafeMutableBufferPointer { out in
            vector.withUnsafeBufferPointer {
                VectorChecks.prepare($0.baseAddress!, into: out.baseAddress! + start, dimension: d, metric: m)
            }
        }
        rowOfLabel[label] = labels.count
        labels.append(label)
    }

    /// Removes the vector stored under `label`; returns whether there was one.
    /// - Complexity: O(d).
    @discardableResult
    package mutating func remove(label: Int32) -> Bool {
        guard let row = rowOfLabel.removeValue(forKey: label) else { return false }
        let last = labels.count - 1
        if row != last {
            let d = dimension
            vectors.withUnsafeMutableBufferPointer { v in
                (v.baseAddress! + row * d).update(from: v.baseAddress! + last * d, count: d)
            }
            labels[row] = labels[last]
            rowOfLabel[labels[row]] = row
        }
        labels.removeLast()
        vectors.removeLast(dimension)
        return true
    }

    /// The exact `min(k, count)` best vectors for `query`, best first (ties: smaller label first).
    /// - Throws: `AttuneMLError.dimensionMismatch` for a wrong length, `AttuneMLError.invalidArgument`
    ///   for a negative `k` or a non-finite query.
    /// - Complexity: O(n d + n log k).
    package func search(_ query: [Float], k: Int) throws -> [Neighbor] {
        try VectorChecks.checkVector(query, dimension: dimension, what: "query")
        try VectorChecks.checkK(k)
        let n = count
        let k = Swift.min(k, n)
        if k == 0 { return [] }
        let d = dimension
        var q = [Float](repeating: 0, count: d)
        q.withUnsafeMutableBufferPointer { qp in
            query.withUnsafeBufferPointer {
                VectorChecks.prepare($0.baseAddress!, into: qp.baseAddress!, dimension: d, metric: metric)
            }
        }
        var scores = [Float](repeating: 0, count: n)
        let euclidean = metric == .euclidean
        q.withUnsafeBufferPointer { qp in
            vectors.withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer { s in
                    let qb = qp.baseAddress!
                    for r in 0..<n {
                        let row = v.baseAddress! + r * d
                        s[r] =
                            euclidean
                            ? -VectorKernels.squaredDistance(qb, row, count: d) : VectorKernels.dot(qb, row, count: d)
                    }
                }
            }
        }
        // Take a few extra rows so that ties at the cut can be re-ordered by label below.
        var selector = TopKSelector(k: Swift.min(n, k + 8))
        let rows = selector.select(scores: scores)
        var hits = rows.map { Neighbor(label: labels[Int($0)], score: scores[Int($0)]) }
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.label < $1.label }
        if hits.count > k, hits[k - 1].score == hits[k].score {
            // A tie straddles the extended cut: fall back to a full sort of that score.
            let cut = hits[k - 1].score
            var tied = (0..<n).filter { scores[$0] == cut }.map { Neighbor(label: labels[$0], score: cut) }
            tied.sort { $0.label < $1.label }
            hits = hits.filter { $0.score > cut } + tied
        }
        return Array(hits.prefix(k))
    }
}
