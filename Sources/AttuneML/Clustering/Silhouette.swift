/// The silhouette coefficient of a clustering (Rousseeuw, "Silhouettes: a graphical aid to the
/// interpretation and validation of cluster analysis", J. Comput. Appl. Math. 1987).
///
/// For a point, `a` is its mean Euclidean distance to the other members of its cluster and `b` the
/// smallest mean distance to the members of another cluster; its silhouette is `(b − a) / max(a, b)`,
/// and 0 for a point alone in its cluster, as scikit-learn's `silhouette_score`. The exact score
/// is quadratic in the number of points, so large sets are scored on a seeded sample, which is
/// also what scikit-learn's `sample_size` does.
package enum Silhouette {
    /// The mean silhouette over `points` (or over a seeded sample of `sampleSize` of them, scored
    /// among themselves).
    ///
    /// - Parameters:
    ///   - labels: cluster of each row, in `0..<clusterCount`.
    ///   - sampleSize: `nil` scores every point.
    ///   - seed: chooses the sample.
    ///   - threads: workers over the scored points.
    /// - Throws: `AttuneMLError.dimensionMismatch` when `labels` and rows differ; `invalidArgument`
    ///   for an empty or non-finite matrix, a label out of range, or fewer than two non-empty
    ///   clusters (or as many clusters as points) in the scored set.
    /// - Complexity: O(m² · d) time with `m = min(n, sampleSize)`, O(m · d + k · threads) memory.
    package static func score(
        points: DenseMatrix, labels: [Int32], clusterCount: Int, sampleSize: Int? = nil, seed: UInt64 = 0,
        threads: Int = 1
    ) throws -> Double {
        try ClusteringInput.validate(points)
        guard labels.count == points.rowCount else {
            throw AttuneMLError.dimensionMismatch("\(labels.count) labels for \(points.rowCount) points")
        }
        guard labels.allSatisfy({ $0 >= 0 && Int($0) < clusterCount }) else {
            throw AttuneMLError.invalidArgument("label outside 0..<\(clusterCount)")
        }
        let n = points.rowCount
        let d = points.columnCount
        let chosen = sampleIndices(count: n, sampleSize: sampleSize ?? n, seed: seed)
        let m = chosen.count
        var sample = [Float](repeating: 0, count: m * d)
        var sampleLabels = [Int32](repeating: 0, count: m)
        var sizes = [Int](repeating: 0, count: clusterCount)
        for (r, i) in chosen.enumerated() {
            for j in 0..<d { sample[r * d + j] = points.values[i * d + j] }
            sampleLabels[r] = labels[i]
            sizes[Int(labels[i])] += 1
        }
        let nonEmpty = sizes.filter { $0 > 0 }.count
        guard nonEmpty >= 2, nonEmpty < m else {
            throw AttuneMLError.invalidArgument("silhouette needs 2 to \(m - 1) non-empty clusters, got \(nonEmpty)")
        }
        var perPoint = [Double](repeating: 0, count: m)
        let k = clusterCount
        sample.withUnsafeBufferPointer { x in
            sampleLabels.withUnsafeBufferPointer { lab in
                sizes.withUnsafeBufferPointer { sz in
                    perPoint.withUnsafeMutableBufferPointer { out in
                        let xP = SharedPointer(x.baseAddress!)
                        let labP = SharedPointer(lab.baseAddress!)
                        let szP = SharedPointer(sz.baseAddress!)
                        let outP = SharedMutablePointer(out.baseAddress!)
                        ParallelRange.forEachChunk(count: m, threads: threads) { _, range in
                            // Per-cluster distance sums, one scratch row per chunk.
                            var sums = [Double](repeating: 0, count: k)
                            for i in range {
                                for c in 0..<k { sums[c] = 0 }
                                let row = xP.base + i * d
                                for j in 0..<m {
                                    let dist = VectorKernels.squaredDistance(row, xP.base + j * d, count: d)
                                        .squareRoot()
                                    sums[Int(labP.base[j])] += Double(dist)
                                }
                                let own = Int(labP.base[i])
                                let ownSize = szP.base[own]
                                if ownSize <= 1 {
                                    outP.base[i] = 0
                                    continue
                                }
                                let a = sums[own] / Double(ownSize - 1)
                                var b = Double.infinity
                                for c in 0..<k where c != own && szP.base[c] > 0 {
                                    b = Swift.min(b, sums[c] / Double(szP.base[c]))
                                }
                                let denominator = Swift.max(a, b)
                                outP.base[i] = denominator > 0 ? (b - a) / denominator : 0
                            }
                        }
                    }
                }
            }
        }
        return perPoint.reduce(0, +) / Double(m)
    }

    /// `sampleSize` distinct indices in ascending order (all of them when `sampleSize >= count`),
    /// by a partial Fisher–Yates shuffle.
    static func sampleIndices(count: Int, sampleSize: Int, seed: UInt64) -> [Int] {
        if sampleSize >= count { return Array(0..<count) }
        var generator = SeededGenerator(seed: seed)
        var pool = Array(0..<count)
        for i in 0..<sampleSize {
            let j = i + generator.nextIndex(below: count - i)
            pool.swapAt(i, j)
        }
        return pool.prefix(Swift.max(0, sampleSize)).sorted()
    }
}
