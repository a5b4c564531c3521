/// How a vector index compares a query with the stored vectors.
///
/// Every metric is reported as a score where larger is better, so exact and approximate indexes
/// and every metric rank the same way.
package enum VectorMetric: UInt8, Sendable, Equatable, CaseIterable {
    /// Score = `q . x`: maximum inner product search (e.g. matrix-factorisation item factors).
    case innerProduct = 0
    /// Score = `q . x / (|q| |x|)`. Vectors are normalised once on insert and queries on entry, so
    /// search runs the inner-product kernel. A zero vector stays zero and scores 0 against all.
    case cosine = 1
    /// Score = `-|q - x|^2` (negated squared Euclidean distance).
    case euclidean = 2
}

/// One search hit: the caller's label for a stored vector and its score under the index metric.
package struct Neighbor: Sendable, Equatable, Hashable {
    /// The label given when the vector was inserted (usually a dense item index).
    package var label: Int32
    /// Larger is closer; see ``VectorMetric`` for the meaning per metric.
    package var score: Float

    package init(label: Int32, score: Float) {
        self.label = label
        self.score = score
    }
}

/// A top-k vector search structure that can be served as an immutable snapshot.
package protocol VectorIndex: Sendable {
    /// The metric the index ranks by.
    var metric: VectorMetric { get }
    /// The length of every stored vector and query.
    var dimension: Int { get }
    /// The number of live (not removed) vectors.
    var count: Int { get }

    /// The (up to) `k` best stored vectors for `query`, best first.
    /// - Throws: `AttuneMLError.dimensionMismatch` for a query of the wrong length,
    ///   `AttuneMLError.invalidArgument` for a negative `k` or a non-finite query.
    func search(_ query: [Float], k: Int) throws -> [Neighbor]
}

/// Input checks shared by the vector indexes: done at the boundary, before touching storage.
enum VectorChecks {
    static func checkDimension(_ dimension: Int) throws {
        guard dimension > 0 else { throw AttuneMLError.invalidArgument("dimension must be positive, got \(dimension)") }
    }

    static func checkVector(_ vector: [Float], dimension: Int, what: String) throws {
        guard vector.count == dimension else {
            throw AttuneMLError.dimensionMismatch("\(what) has \(vector.count) values, index dimension is \(dimension)")
        }
        guard vector.allSatisfy(\.isFinite) else {
            throw AttuneMLError.invalidArgument("\(what) holds a non-finite value")
        }
    }

    static func checkK(_ k: Int) throws {
        guard k >= 0 else { throw AttuneMLError.invalidArgument("k must be non-negative, got \(k)") }
    }

    static func checkLabel(_ label: Int32) throws {
        guard label >= 0 else { throw AttuneMLError.invalidArgument("labels must be non-negative, got \(label)") }
    }

    /// Writes `vector` into `out`, unit-normalised when the metric is cosine (zero stays zero).
    @inline(__always)
    static func prepare(
        _ vector: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, dimension: Int, metric: VectorMetric
    ) {
        out.update(from: vector, count: dimension)
        guard metric == .cosine else { return }
        let norm = VectorKernels.norm(out, count: dimension)
        guard norm > 0 else { return }
        let inv = 1 / norm
        for i in 0..<dimension { out[i] *= inv }
    }
}
