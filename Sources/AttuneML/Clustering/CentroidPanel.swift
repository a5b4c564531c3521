/// Centroids laid out for the nearest-centroid search of k-means.
///
/// For a point `x`, `‖x − c‖² = ‖x‖² + ‖c‖² − 2 x·c`, and the `‖x‖²` term does not change which
/// centroid is nearest. The panel stores the centroids transposed in blocks of eight (`-2c`, one
/// `SIMD8` per feature and block) with `‖c‖²` as the starting value, so the score of eight centroids
/// is one fused multiply-add per feature, without the horizontal sums that a per-centroid dot product
/// would need. Lanes past the last centroid start at `+∞` and never win.
package struct CentroidPanel: Sendable {
    /// Number of real centroids.
    package let count: Int
    /// Features per centroid.
    package let dimension: Int
    /// `ceil(count / 8)`.
    package let blockCount: Int
    /// `blockCount · dimension` vectors: lane `l` of vector `b · dimension + j` is `-2 · c[8b + l][j]`.
    @usableFromInline let weights: [SIMD8<Float>]
    /// `blockCount` vectors of `‖c‖²` (`+∞` in padding lanes).
    @usableFromInline let norms: [SIMD8<Float>]

    /// Builds the panel from `count x dimension` row-major centroids.
    /// - Complexity: O(count · dimension).
    package init(centroids: UnsafeBufferPointer<Float>, count: Int, dimension: Int) {
        precondition(centroids.count >= count * dimension, "centroid buffer too small")
        self.count = count
        self.dimension = dimension
        blockCount = (count + 7) / 8
        var w = [SIMD8<Float>](repeating: .zero, count: blockCount * dimension)
        var nrm = [SIMD8<Float>](repeating: SIMD8(repeating: .infinity), count: blockCount)
        for c in 0..<count {
            let block = c / 8
            let lane = c % 8
            let row = centroids.baseAddress! + c * dimension
            var sq: Float = 0
            for j in 0..<dimension {
                w[block * dimension + j][lane] = -2 * row[j]
                sq += row[j] * row[j]
            }
            nrm[block][lane] = sq
        }
        weights = w
        norms = nrm
    }

    /// Convenience over an array of `count x dimension` values.
    package init(centroids: [Float], count: Int, dimension: Int) {
        self = centroids.withUnsafeBufferPointer { Self(centroids: $0, count: count, dimension: dimension) }
    }

    /// The index of the centroid nearest to `point` and its score `‖c‖² − 2 x·c` (add `‖x‖²` for
    /// the squared distance). Ties go to the lower index, as numpy's `argmin`.
    ///
    /// - Parameters:
    ///   - point: `dimension` values.
    ///   - weights, norms: this panel's storage, opened once by the caller for a whole batch.
    /// - Complexity: O(blockCount · dimension).
    @inlinable @inline(__always)
    package static func nearest(
        _ point: UnsafePointer<Float>, dimension: Int, blockCount: Int,
        weights: UnsafePointer<SIMD8<Float>>, norms: UnsafePointer<SIMD8<Float>>
    ) -> (index: Int, score: Float) {
        var bestIndex = 0
        var bestScore = Float.infinity
        var b = 0
        while b < blockCount {
            let s = blockScores(point, dimension: dimension, weights: weights + b &* dimension, start: norms[b])
            // A scalar scan of eight lanes: cheaper than building a lane mask here, and it keeps the
            // lowest index on ties.
            var lane = 0
            while lane < 8 {
                if s[lane] < bestScore {
                    bestScore = s[lane]
                    bestIndex = b &* 8 &+ lane
                }
                lane &+= 1
            }
            b &+= 1
        }
        return (bestIndex, bestScore)
    }

    /// Scores `‖c‖² − 2 x·c` of the eight centroids of one block.
    ///
    /// Two accumulators split the chain of dependent fused multiply-adds so that consecutive
    /// features overlap in the pipeline.
    @inlinable @inline(__always)
    package static func blockScores(
        _ point: UnsafePointer<Float>, dimension: Int, weights: UnsafePointer<SIMD8<Float>>, start: SIMD8<Float>
    ) -> SIMD8<Float> {
        var acc0 = start
        var acc1 = SIMD8<Float>.zero
        var j = 0
        while j &+ 2 <= dimension {
            acc0.addProduct(SIMD8(repeating: point[j]), weights[j])
            acc1.addProduct(SIMD8(repeating: point[j &+ 1]), weights[j &+ 1])
            j &+= 2
        }
        if j < dimension { acc0.addProduct(SIMD8(repeating: point[j]), weights[j]) }
        return acc0 + acc1
    }

    /// Runs `body` with the panel's storage opened, for a batch of `nearest` calls.
    @inlinable
    package func withStorage<R>(
        _ body: (_ weights: UnsafePointer<SIMD8<Float>>, _ norms: UnsafePointer<SIMD8<Float>>) throws -> R
    ) rethrows -> R {
        try weights.withUnsafeBufferPointer { w in
            try norms.withUnsafeBufferPointer { n in try body(w.baseAddress!, n.baseAddress!) }
        }
    }

    /// Plain-loop nearest centroid by exact squared distance in `Double`: the test oracle.
    package static func nearestScalar(_ point: [Float], centroids: [Float], count: Int) -> Int {
        let d = point.count
        var best = 0
        var bestDistance = Double.infinity
        for c in 0..<count {
            var s = 0.0
            for j in 0..<d {
                let diff = Double(point[j]) - Double(centroids[c * d + j])
                s += diff * diff
            }
            if s < bestDistance {
                bestDistance = s
                best = c
            }
        }
        return best
    }
}
