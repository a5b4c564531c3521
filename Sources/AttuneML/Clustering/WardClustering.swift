/// Agglomerative clustering with Ward's minimum-variance linkage.
///
/// Each step merges the two clusters whose union raises the within-cluster sum of squares least,
/// `Δ(A, B) = |A||B| / (|A| + |B|) · ‖c_A − c_B‖²` (Ward, "Hierarchical Grouping to Optimize an
/// Objective Function", J. Amer. Statist. Assoc. 1963). Merges are found with the
/// nearest-neighbour chain (Benzécri 1982; Juan 1982), which is exact for Ward because the linkage
/// is reducible (Müllner, "Modern hierarchical, agglomerative clustering algorithms", 2011).
/// Distances come from the cluster centroids and sizes instead of a stored distance matrix, so
/// memory stays O(n · d) and tens of thousands of points fit easily; the time is O(n² · d).
///
/// The result follows SciPy's linkage convention: merge `i` joins clusters `left` and `right`
/// (ids below `n` are points, `n + j` is the cluster made by merge `j`), merges sorted by height,
/// with height `√(2 Δ)` as `scipy.cluster.hierarchy.ward` reports it.
package struct WardClustering: Sendable, Equatable {
    /// One merge of the dendrogram.
    package struct Merge: Sendable, Equatable {
        /// The two merged clusters: a point index below `pointCount`, else `pointCount + merge index`.
        package let left: Int
        package let right: Int
        /// `√(2 Δ)`: the Euclidean distance of the two points for singletons.
        package let height: Double
        /// Points in the merged cluster.
        package let size: Int
    }

    /// Points clustered.
    package let pointCount: Int
    /// `pointCount − 1` merges in increasing height.
    package let merges: [Merge]

    /// Builds the full dendrogram of the rows of `points`.
    ///
    /// - Parameters:
    ///   - points: one row per point, finite.
    ///   - threads: workers for the nearest-neighbour scans while many clusters are active.
    /// - Throws: `AttuneMLError.invalidArgument` for an empty matrix or a NaN or infinite value.
    /// - Complexity: O(n² · d) time (at most about 3n nearest-neighbour scans over the active
    ///   clusters), O(n · d) memory.
    package static func fit(points: DenseMatrix, threads: Int = 1) throws -> WardClustering {
        try fit(points: points, threads: threads, parallelThreshold: NearestNeighborChain.parallelThreshold)
    }

    /// As ``fit(points:threads:)``, with the active-cluster count from which scans are split
    /// over threads (tests lower it to exercise the parallel path on small data).
    static func fit(points: DenseMatrix, threads: Int, parallelThreshold: Int) throws -> WardClustering {
        try ClusteringInput.validate(points)
        let n = points.rowCount
        var chain = NearestNeighborChain(points: points, threads: threads, parallelThreshold: parallelThreshold)
        var raw: [(a: Int, b: Int, delta: Double, size: Int)] = []
        raw.reserveCapacity(n - 1)
        var stack: [Int] = []
        while chain.activeCount > 1 {
            if stack.isEmpty { stack.append(chain.firstActive) }
            while true {
                let a = stack[stack.count - 1]
                let previous = stack.count >= 2 ? stack[stack.count - 2] : -1
                let b = chain.nearest(to: a, preferring: previous)
                if b == previous { break }
                stack.append(b)
            }
            let a = stack.removeLast()
            let b = stack.removeLast()
            let delta = chain.delta(a, b)
            let size = chain.merge(a, b)
            raw.append((Swift.min(a, b), Swift.max(a, b), delta, size))
        }
        return WardClustering(pointCount: n, merges: Self.relabel(raw, pointCount: n))
    }

    /// Sorts the merges by height (stable) and names clusters as SciPy does, with a union-find
    /// over the slots, whose ids are each cluster's representative point.
    static func relabel(_ raw: [(a: Int, b: Int, delta: Double, size: Int)], pointCount n: Int) -> [Merge] {
        let order = raw.indices.sorted { raw[$0].delta != raw[$1].delta ? raw[$0].delta < raw[$1].delta : $0 < $1 }
        var sets = UnionFind(count: n)
        var clusterID = Array(0..<n)  // by set root
        var out: [Merge] = []
        out.reserveCapacity(raw.count)
        for (step, index) in order.enumerated() {
            let m = raw[index]
            let ra = sets.find(m.a)
            let rb = sets.find(m.b)
            let left = Swift.min(clusterID[ra], clusterID[rb])
            let right = Swift.max(clusterID[ra], clusterID[rb])
            let root = sets.union(ra, rb)
            clusterID[root] = n + step
            out.append(Merge(left: left, right: right, height: (2 * m.delta).squareRoot(), size: m.size))
        }
        return out
    }

    /// The flat clustering with `clusterCount` clusters: the dendrogram without its last
    /// `clusterCount − 1` merges. Clusters are numbered in order of their first point.
    ///
    /// - Throws: `AttuneMLError.invalidArgument` unless `1 <= clusterCount <= pointCount`.
    /// - Complexity: O(n · α(n)).
    package func labels(clusterCount: Int) throws -> [Int32] {
        guard clusterCount >= 1, clusterCount <= pointCount else {
            throw AttuneMLError.invalidArgument("cannot cut \(pointCount) points into \(clusterCount) clusters")
        }
        var sets = UnionFind(count: pointCount)
        // Merge ids refer to earlier merges; remember one point of each merged cluster.
        var representative = Array(0..<pointCount)
        for m in merges.prefix(pointCount - clusterCount) {
            _ = sets.union(sets.find(representative[m.left]), sets.find(representative[m.right]))
            representative.append(representative[m.left])
        }
        var labelOfRoot = [Int32](repeating: -1, count: pointCount)
        var next: Int32 = 0
        var labels = [Int32](repeating: 0, count: pointCount)
        for i in 0..<pointCount {
            let r = sets.find(i)
            if labelOfRoot[r] < 0 {
                labelOfRoot[r] = next
                next += 1
            }
            labels[i] = labelOfRoot[r]
        }
        return labels
    }
}

/// The active clusters of a Ward run, stored as centroids and sizes in the slot of their
/// representative point (a merged cluster takes the lower slot of its two parts).
struct NearestNeighborChain {
    let dimension: Int
    let threads: Int
    var centroids: [Float]
    var sizes: [Int]
    /// Slots of active clusters, compact, so a scan reads no dead rows.
    var active: [Int32]
    /// Position of each slot in `active`, or -1.
    var position: [Int]
    var activeCount: Int { active.count }
    var firstActive: Int { Int(active.min()!) }

    /// Below this many active clusters a scan is cheaper than waking the workers.
    static let parallelThreshold = 8192
    let parallelThreshold: Int

    init(points: DenseMatrix, threads: Int, parallelThreshold: Int = Self.parallelThreshold) {
        dimension = points.columnCount
        self.threads = Swift.max(1, threads)
        self.parallelThreshold = parallelThreshold
        centroids = points.values
        sizes = [Int](repeating: 1, count: points.rowCount)
        active = (0..<points.rowCount).map { Int32($0) }
        position = Array(0..<points.rowCount)
    }

    /// `Δ(a, b)`, the increase of the within-cluster sum of squares when `a` and `b` merge.
    func delta(_ a: Int, _ b: Int) -> Double {
        let d = dimension
        let sq = centroids.withUnsafeBufferPointer {
            VectorKernels.squaredDistance($0.baseAddress! + a * d, $0.baseAddress! + b * d, count: d)
        }
        let na = Double(sizes[a])
        let nb = Double(sizes[b])
        return na * nb / (na + nb) * Double(sq)
    }

    /// The active cluster nearest to `a` by `Δ`: `preferring` on a tie (so the chain closes
    /// instead of cycling), otherwise the lowest slot.
    func nearest(to a: Int, preferring previous: Int) -> Int {
        let d = dimension
        let count = active.count
        var best: (slot: Int, delta: Double)
        if threads > 1 && count >= parallelThreshold {
            let chunks = ParallelRange.chunkCount(count: count, threads: threads, chunksPerThread: 1)
            var partial = [(slot: Int, delta: Double)](repeating: (-1, .infinity), count: chunks)
            centroids.withUnsafeBufferPointer { c in
                sizes.withUnsafeBufferPointer { s in
                    active.withUnsafeBufferPointer { act in
                        partial.withUnsafeMutableBufferPointer { out in
                            let cP = SharedPointer(c.baseAddress!)
                            let sP = SharedPointer(s.baseAddress!)
                            let aP = SharedPointer(act.baseAddress!)
                            let oP = SharedMutablePointer(out.baseAddress!)
                            ParallelRange.forEachChunk(count: count, threads: threads, chunksPerThread: 1) {
                                chunk, range in
                                oP.base[chunk] = Self.scan(
                                    from: a, over: range, active: aP.base, centroids: cP.base, sizes: sP.base,
                                    dimension: d)
                            }
                        }
                    }
                }
            }
            best = (-1, .infinity)
            for p in partial where p.slot >= 0 {
                if p.delta < best.delta || (p.delta == best.delta && p.slot < best.slot) { best = p }
            }
        } else {
            best = centroids.withUnsafeBufferPointer { c in
                sizes.withUnsafeBufferPointer { s in
                    active.withUnsafeBufferPointer { act in
                        Self.scan(
                            from: a, over: 0..<count, active: act.baseAddress!, centroids: c.baseAddress!,
                            sizes: s.baseAddress!, dimension: d)
                    }
                }
            }
        }
        if previous >= 0 && delta(a, previous) <= best.delta { return previous }
        return best.slot
    }

    /// The lowest `Δ(a, ·)` over `active[range]` (ties to the lower slot), skipping `a` itself.
    @inline(__always)
    static func scan(
        from a: Int, over range: Range<Int>, active: UnsafePointer<Int32>, centroids: UnsafePointer<Float>,
        sizes: UnsafePointer<Int>, dimension d: Int
    ) -> (slot: Int, delta: Double) {
        let origin = centroids + a * d
        let na = Double(sizes[a])
        var bestSlot = -1
        var bestDelta = Double.infinity
        for p in range {
            let slot = Int(active[p])
            if slot == a { continue }
            let nb = Double(sizes[slot])
            let sq = VectorKernels.squaredDistance(origin, centroids + slot * d, count: d)
            let delta = na * nb / (na + nb) * Double(sq)
            if delta < bestDelta || (delta == bestDelta && slot < bestSlot) {
                bestDelta = delta
                bestSlot = slot
            }
        }
        return (bestSlot, bestDelta)
    }

    /// Merges `b` into `a` (the result lives in the lower slot); returns the merged size.
    mutating func merge(_ a: Int, _ b: Int) -> Int {
        let keep = Swift.min(a, b)
        let drop = Swift.max(a, b)
        let d = dimension
        let nk = Double(sizes[keep])
        let nd = Double(sizes[drop])
        let total = nk + nd
        for j in 0..<d {
            // The size-weighted mean, in Double so repeated merges do not drift.
            let v = (nk * Double(centroids[keep * d + j]) + nd * Double(centroids[drop * d + j])) / total
            centroids[keep * d + j] = Float(v)
        }
        sizes[keep] += sizes[drop]
        sizes[drop] = 0
        // Swap-remove `drop` from the compact active list.
        let p = position[drop]
        let last = Int(active[active.count - 1])
        active[p] = Int32(last)
        position[last] = p
        active.removeLast()
        position[drop] = -1
        return sizes[keep]
    }
}

/// Disjoint sets with path halving and union by size.
struct UnionFind {
    var parent: [Int]
    var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = [Int](repeating: 1, count: count)
    }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    /// Joins two roots; returns the new root.
    mutating func union(_ a: Int, _ b: Int) -> Int {
        if a == b { return a }
        let (root, child) = size[a] >= size[b] ? (a, b) : (b, a)
        parent[child] = root
        size[root] += size[child]
        return root
    }
}
