/// Scratch space of one k-means fit, allocated once and reused by every restart.
///
/// Points are cut into at most `maxBlocks` fixed blocks. Each block owns its slice of the
/// per-block partial sums, so workers never share a write, and the partials are added in block
/// order: the result is the same for any thread count.
struct LloydWorkspace {
    let rowCount: Int
    let dimension: Int
    let clusterCount: Int
    let threads: Int
    let geometry: PointBlocks
    var blockCount: Int { geometry.blockCount }
    /// Labels of the current run; `-1` before the first assignment.
    var labels: [Int32]
    /// `‖xᵢ‖²`, for the seeding distances.
    var pointNorms: [Float]
    /// Squared distance of each point to its nearest seed so far (seeding only).
    var closest: [Float]
    /// Running sum of `closest` in `Double`, for drawing the next seed.
    var cumulative: [Double]
    /// `blockCount x clusterCount x dimension` partial coordinate sums.
    var blockSums: [Double]
    /// `blockCount x clusterCount` partial counts.
    var blockCounts: [Int]
    /// One value per block (changed labels, or a partial inertia / potential).
    var blockScalars: [Double]

    init(points: DenseMatrix, clusterCount: Int, threads: Int) {
        rowCount = points.rowCount
        dimension = points.columnCount
        self.clusterCount = clusterCount
        self.threads = Swift.max(1, threads)
        geometry = PointBlocks(rowCount: rowCount, threads: threads)
        let blockCount = geometry.blockCount
        labels = [Int32](repeating: -1, count: rowCount)
        pointNorms = [Float](repeating: 0, count: rowCount)
        closest = [Float](repeating: 0, count: rowCount)
        cumulative = [Double](repeating: 0, count: rowCount)
        blockSums = [Double](repeating: 0, count: blockCount * clusterCount * dimension)
        blockCounts = [Int](repeating: 0, count: blockCount * clusterCount)
        blockScalars = [Double](repeating: 0, count: blockCount * Swift.max(8, clusterCount))
        let d = dimension
        let n = rowCount
        let workers = self.threads
        points.values.withUnsafeBufferPointer { x in
            pointNorms.withUnsafeMutableBufferPointer { out in
                let xP = SharedPointer(x.baseAddress!)
                let oP = SharedMutablePointer(out.baseAddress!)
                ParallelRange.forEachChunk(count: n, threads: workers) { _, range in
                    for i in range { oP.base[i] = VectorKernels.dot(xP.base + i * d, xP.base + i * d, count: d) }
                }
            }
        }
    }

    /// The mean over columns of the population variance (scikit-learn's tolerance scale), from
    /// per-block partial sums in `Double`; two passes, so no `E[x²] − E[x]²` cancellation.
    func meanVariance(points: DenseMatrix) -> Double {
        let d = dimension
        let geometry = self.geometry
        var partial = [Double](repeating: 0, count: geometry.blockCount * d)
        var mean = [Double](repeating: 0, count: d)
        points.values.withUnsafeBufferPointer { x in
            partial.withUnsafeMutableBufferPointer { part in
                let xP = SharedPointer(x.baseAddress!)
                let pP = SharedMutablePointer(part.baseAddress!)
                geometry.forEachBlock { b in
                    let out = pP.base + b * d
                    for i in geometry.range(ofBlock: b) {
                        for j in 0..<d { out[j] += Double(xP.base[i * d + j]) }
                    }
                }
            }
            for b in 0..<geometry.blockCount { for j in 0..<d { mean[j] += partial[b * d + j] } }
            for j in 0..<d { mean[j] /= Double(rowCount) }
            for e in partial.indices { partial[e] = 0 }
            mean.withUnsafeBufferPointer { m in
                partial.withUnsafeMutableBufferPointer { part in
                    let xP = SharedPointer(x.baseAddress!)
                    let mP = SharedPointer(m.baseAddress!)
                    let pP = SharedMutablePointer(part.baseAddress!)
                    geometry.forEachBlock { b in
                        let out = pP.base + b * d
                        for i in geometry.range(ofBlock: b) {
                            for j in 0..<d {
                                let diff = Double(xP.base[i * d + j]) - mP.base[j]
                                out[j] += diff * diff
                            }
                        }
                    }
                }
            }
        }
        return partial.reduce(0, +) / Double(rowCount * d)
    }

    /// Lloyd iterations from `initial` centroids; leaves the final labels in `labels`.
    ///
    /// Mirrors scikit-learn's `_kmeans_single_lloyd`: each pass assigns every point to its nearest
    /// centroid and accumulates the new means in the same sweep; a run ends when no label changed
    /// (strict convergence) or the summed squared centroid shift is at most `tolerance`. A last
    /// assignment pass against the final centroids gives the labels and the exact inertia.
    ///
    /// - Complexity: O(iterations · n · k · d).
    mutating func lloyd(
        points: DenseMatrix, initial: [Float], maxIterations: Int, tolerance: Double
    ) -> (centroids: [Float], inertia: Double, iterations: Int) {
        let k = clusterCount
        let d = dimension
        var centroids = initial
        for i in labels.indices { labels[i] = -1 }
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            let changed = assignAndAccumulate(points: points, centroids: centroids)
            var updated = reduceMeans(previous: centroids)
            relocateEmptyClusters(points: points, previous: centroids, centroids: &updated)
            var shift = 0.0
            for c in 0..<(k * d) {
                let diff = Double(updated[c]) - Double(centroids[c])
                shift += diff * diff
            }
            centroids = updated
            if changed == 0 || shift <= tolerance { break }
        }
        let inertia = assignWithInertia(points: points, centroids: centroids)
        return (centroids, inertia, iterations)
    }

    /// One assignment sweep that also fills the per-block sums and counts; returns how many labels changed.
    mutating func assignAndAccumulate(points: DenseMatrix, centroids: [Float]) -> Int {
        let panel = CentroidPanel(centroids: centroids, count: clusterCount, dimension: dimension)
        let k = clusterCount
        let d = dimension
        let panelBlocks = panel.blockCount
        let geometry = self.geometry
        points.values.withUnsafeBufferPointer { x in
            labels.withUnsafeMutableBufferPointer { lab in
                blockSums.withUnsafeMutableBufferPointer { sums in
                    blockCounts.withUnsafeMutableBufferPointer { counts in
                        blockScalars.withUnsafeMutableBufferPointer { scalars in
                            panel.withStorage { w, nrm in
                                let xP = SharedPointer(x.baseAddress!)
                                let labP = SharedMutablePointer(lab.baseAddress!)
                                let sP = SharedMutablePointer(sums.baseAddress!)
                                let cP = SharedMutablePointer(counts.baseAddress!)
                                let scP = SharedMutablePointer(scalars.baseAddress!)
                                let wP = SharedPointer(w)
                                let nP = SharedPointer(nrm)
                                geometry.forEachBlock { b in
                                    let s = sP.base + b * k * d
                                    let cnt = cP.base + b * k
                                    s.update(repeating: 0, count: k * d)
                                    cnt.update(repeating: 0, count: k)
                                    var changed = 0
                                    for i in geometry.range(ofBlock: b) {
                                        let row = xP.base + i * d
                                        let c = CentroidPanel.nearest(
                                            row, dimension: d, blockCount: panelBlocks, weights: wP.base, norms: nP.base
                                        ).index
                                        let label = Int32(truncatingIfNeeded: c)
                                        if labP.base[i] != label {
                                            changed &+= 1
                                            labP.base[i] = label
                                        }
                                        cnt[c] &+= 1
                                        let target = s + c * d
                                        for j in 0..<d { target[j] += Double(row[j]) }
                                    }
                                    scP.base[b] = Double(changed)
                                }
                            }
                        }
                    }
                }
            }
        }
        var total = 0.0
        for b in 0..<blockCount { total += blockScalars[b] }
        return Int(total)
    }

    /// New centroids from the per-block sums, added in block order; an empty cluster keeps its
    /// previous centroid until ``relocateEmptyClusters(points:previous:centroids:)`` moves it.
    func reduceMeans(previous: [Float]) -> [Float] {
        let k = clusterCount
        let d = dimension
        var totals = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        for b in 0..<blockCount {
            for c in 0..<k { counts[c] += blockCounts[b * k + c] }
            let base = b * k * d
            for e in 0..<(k * d) { totals[e] += blockSums[base + e] }
        }
        var out = previous
        for c in 0..<k where counts[c] > 0 {
            let inv = 1.0 / Double(counts[c])
            for j in 0..<d { out[c * d + j] = Float(totals[c * d + j] * inv) }
        }
        return out
    }

    /// Gives each empty cluster one of the points farthest from their (previous) centroid and
    /// removes that point from the mean of the cluster it leaves, as scikit-learn does.
    ///
    /// Rare: the O(n · d) distance pass runs only when a cluster came out empty.
    mutating func relocateEmptyClusters(points: DenseMatrix, previous: [Float], centroids: inout [Float]) {
        let k = clusterCount
        let d = dimension
        var counts = [Int](repeating: 0, count: k)
        for b in 0..<blockCount { for c in 0..<k { counts[c] += blockCounts[b * k + c] } }
        let empty = (0..<k).filter { counts[$0] == 0 }
        if empty.isEmpty { return }
        var distances = [Float](repeating: 0, count: rowCount)
        points.values.withUnsafeBufferPointer { x in
            previous.withUnsafeBufferPointer { p in
                for i in 0..<rowCount {
                    let c = Int(labels[i])
                    distances[i] = VectorKernels.squaredDistance(
                        x.baseAddress! + i * d, p.baseAddress! + c * d, count: d)
                }
            }
        }
        // The farthest points, farthest first (ties to the lower index).
        let far = (0..<rowCount).sorted { distances[$0] != distances[$1] ? distances[$0] > distances[$1] : $0 < $1 }
        for (slot, c) in empty.enumerated() where slot < far.count {
            let i = far[slot]
            let old = Int(labels[i])
            // Take the point out of its old cluster's mean (unless that would empty it).
            if counts[old] > 1 {
                for j in 0..<d {
                    let mean = Double(centroids[old * d + j])
                    let x = Double(points.values[i * d + j])
                    centroids[old * d + j] = Float((mean * Double(counts[old]) - x) / Double(counts[old] - 1))
                }
                counts[old] -= 1
            }
            for j in 0..<d { centroids[c * d + j] = points.values[i * d + j] }
            counts[c] = 1
            labels[i] = Int32(c)
        }
    }

    /// Assigns every point to its nearest centroid and returns the exact inertia (in `Double`).
    mutating func assignWithInertia(points: DenseMatrix, centroids: [Float]) -> Double {
        let panel = CentroidPanel(centroids: centroids, count: clusterCount, dimension: dimension)
        let d = dimension
        let panelBlocks = panel.blockCount
        let geometry = self.geometry
        points.values.withUnsafeBufferPointer { x in
            labels.withUnsafeMutableBufferPointer { lab in
                blockScalars.withUnsafeMutableBufferPointer { scalars in
                    centroids.withUnsafeBufferPointer { cen in
                        panel.withStorage { w, nrm in
                            let xP = SharedPointer(x.baseAddress!)
                            let labP = SharedMutablePointer(lab.baseAddress!)
                            let scP = SharedMutablePointer(scalars.baseAddress!)
                            let cenP = SharedPointer(cen.baseAddress!)
                            let wP = SharedPointer(w)
                            let nP = SharedPointer(nrm)
                            geometry.forEachBlock { b in
                                var sum = 0.0
                                for i in geometry.range(ofBlock: b) {
                                    let row = xP.base + i * d
                                    let c = CentroidPanel.nearest(
                                        row, dimension: d, blockCount: panelBlocks, weights: wP.base, norms: nP.base
                                    ).index
                                    labP.base[i] = Int32(truncatingIfNeeded: c)
                                    sum += Double(VectorKernels.squaredDistance(row, cenP.base + c * d, count: d))
                                }
                                scP.base[b] = sum
                            }
                        }
                    }
                }
            }
        }
        var total = 0.0
        for b in 0..<blockCount { total += blockScalars[b] }
        return total
    }
}

/// Fixed blocks of consecutive points, independent of the thread count.
///
/// Workers take whole blocks; per-block partial results are combined in block order, so sums come
/// out bit-identical for any number of threads.
struct PointBlocks: Sendable {
    let rowCount: Int
    let threads: Int
    let blockCount: Int
    let blockSize: Int

    /// Blocks small enough to balance two to eight workers, large enough that per-block partial
    /// sums stay a small fraction of the data.
    static let maxBlocks = 64
    static let minBlockSize = 2048

    init(rowCount: Int, threads: Int) {
        self.rowCount = rowCount
        self.threads = Swift.max(1, threads)
        blockCount = Swift.max(1, Swift.min(Self.maxBlocks, rowCount / Self.minBlockSize))
        blockSize = (rowCount + blockCount - 1) / blockCount
    }

    /// The points of block `b`.
    @inline(__always)
    func range(ofBlock b: Int) -> Range<Int> {
        let start = Swift.min(rowCount, b * blockSize)
        return start..<Swift.min(rowCount, start + blockSize)
    }

    /// Runs `body(block)` for every block, split over the workers.
    func forEachBlock(_ body: @Sendable (_ block: Int) -> Void) {
        ParallelRange.forEachChunk(count: blockCount, threads: threads, chunksPerThread: 4) { _, blocks in
            for b in blocks { body(b) }
        }
    }
}
