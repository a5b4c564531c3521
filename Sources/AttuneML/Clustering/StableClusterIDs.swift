/// Keeps segment ids stable when a clustering is retrained.
///
/// k-means numbers its clusters arbitrarily, so a retrained model's cluster 0 may be the old
/// cluster 3. Matching the new centroids to the old ones with minimum total squared distance
/// (``HungarianMatching``, Kuhn 1955) lets each new cluster inherit the id of the old cluster it
/// continues; a new cluster with no counterpart (k grew) gets a fresh id, and an old id with no
/// counterpart (k shrank) is retired.
package enum StableClusterIDs {
    /// The id of each new centroid.
    ///
    /// - Parameters:
    ///   - previousCentroids: the old model's centroids, one per row.
    ///   - previousIDs: the old clusters' ids (defaults to `0..<k`); distinct.
    ///   - newCentroids: the retrained centroids, same width.
    /// - Returns: one id per new centroid; unmatched ones get `max(previousIDs) + 1, + 2, …` in row order.
    /// - Throws: `AttuneMLError.dimensionMismatch` for different widths or an id list of the wrong
    ///   length; `invalidArgument` for repeated ids or non-finite centroids.
    /// - Complexity: O(k_old · k_new · d + min(k)² · max(k)).
    package static func assign(
        previousCentroids: DenseMatrix, previousIDs: [Int32]? = nil, newCentroids: DenseMatrix
    ) throws -> [Int32] {
        guard previousCentroids.columnCount == newCentroids.columnCount else {
            throw AttuneMLError.dimensionMismatch(
                "\(previousCentroids.columnCount) vs \(newCentroids.columnCount) features")
        }
        let ids = previousIDs ?? (0..<previousCentroids.rowCount).map { Int32($0) }
        guard ids.count == previousCentroids.rowCount else {
            throw AttuneMLError.dimensionMismatch("\(ids.count) ids for \(previousCentroids.rowCount) centroids")
        }
        guard Set(ids).count == ids.count else { throw AttuneMLError.invalidArgument("repeated cluster id") }
        let newCount = newCentroids.rowCount
        let oldCount = previousCentroids.rowCount
        let d = newCentroids.columnCount
        var costs = [Double](repeating: 0, count: newCount * oldCount)
        newCentroids.values.withUnsafeBufferPointer { a in
            previousCentroids.values.withUnsafeBufferPointer { b in
                for i in 0..<newCount {
                    for j in 0..<oldCount {
                        costs[i * oldCount + j] = Double(
                            VectorKernels.squaredDistance(a.baseAddress! + i * d, b.baseAddress! + j * d, count: d))
                    }
                }
            }
        }
        let match = try HungarianMatching.solve(costs: costs, rowCount: newCount, columnCount: oldCount)
        var next = (ids.max() ?? -1) + 1
        return match.map { j in
            if j >= 0 { return ids[j] }
            defer { next += 1 }
            return next
        }
    }

    /// `labels` (cluster indices of a fit) rewritten as stable ids.
    /// - Throws: `AttuneMLError.invalidArgument` for a label outside `ids`.
    package static func relabel(_ labels: [Int32], ids: [Int32]) throws -> [Int32] {
        try labels.map { l in
            guard l >= 0, Int(l) < ids.count else { throw AttuneMLError.invalidArgument("label \(l) out of range") }
            return ids[Int(l)]
        }
    }
}
