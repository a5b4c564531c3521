import RealModule

extension KMeans {
    /// Greedy k-means++ seeding (Arthur, Vassilvitskii, "k-means++: The Advantages of Careful
    /// Seeding", SODA 2007), in the variant scikit-learn uses.
    ///
    /// The first seed is a uniform point. Each later step draws `2 + ⌊ln k⌋` candidates with
    /// probability proportional to their squared distance to the nearest seed so far and keeps the
    /// candidate that lowers the total potential most; the greedy trials make a bad draw unlikely,
    /// which is what brings the inertia close to scikit-learn's with the same number of restarts.
    ///
    /// - Returns: `k x d` row-major seeds.
    /// - Throws: `AttuneMLError.invalidArgument` when the points hold fewer than `k` distinct values
    ///   (the potential reaches zero before `k` seeds are chosen).
    /// - Complexity: O(k · trials · n · d) time; the buffers live in `workspace`.
    static func seedPlusPlus(
        points: DenseMatrix, workspace: inout LloydWorkspace, generator: inout SeededGenerator
    ) throws -> [Float] {
        let n = points.rowCount
        let d = points.columnCount
        let k = workspace.clusterCount
        let trials = 2 + Int(Double.log(Double(k)))
        var seeds = [Float](repeating: 0, count: k * d)
        let first = generator.nextIndex(below: n)
        for j in 0..<d { seeds[j] = points.values[first * d + j] }
        var potential = workspace.updateClosest(points: points, seed: first, reset: true)
        var candidates = [Int](repeating: 0, count: trials)
        for c in 1..<Swift.max(1, k) {
            guard potential > 0 else {
                throw AttuneMLError.invalidArgument("fewer distinct points than the \(k) clusters asked for")
            }
            workspace.accumulateClosest()
            for t in 0..<trials {
                let r = Double(generator.next() >> 11) * 0x1p-53 * potential
                candidates[t] = workspace.firstCumulative(above: r)
            }
            let best = workspace.bestCandidate(points: points, candidates: candidates)
            for j in 0..<d { seeds[c * d + j] = points.values[best * d + j] }
            potential = workspace.updateClosest(points: points, seed: best, reset: false)
        }
        return seeds
    }
}

extension LloydWorkspace {
    /// Sets (or lowers) every point's squared distance to the nearest seed with the exact distance
    /// to point `seed`; returns the new total potential.
    mutating func updateClosest(points: DenseMatrix, seed: Int, reset: Bool) -> Double {
        let d = dimension
        let geometry = self.geometry
        points.values.withUnsafeBufferPointer { x in
            closest.withUnsafeMutableBufferPointer { cl in
                blockScalars.withUnsafeMutableBufferPointer { scalars in
                    let xP = SharedPointer(x.baseAddress!)
                    let clP = SharedMutablePointer(cl.baseAddress!)
                    let scP = SharedMutablePointer(scalars.baseAddress!)
                    geometry.forEachBlock { b in
                        let s = xP.base + seed * d
                        var sum = 0.0
                        for i in geometry.range(ofBlock: b) {
                            let dist = VectorKernels.squaredDistance(xP.base + i * d, s, count: d)
                            let v = reset ? dist : Swift.min(clP.base[i], dist)
                            clP.base[i] = v
                            sum += Double(v)
                        }
                        scP.base[b] = sum
                    }
                }
            }
        }
        var total = 0.0
        for b in 0..<blockCount { total += blockScalars[b] }
        return total
    }

    /// Fills `cumulative` with the running sum of `closest` (sequential: one pass of adds).
    mutating func accumulateClosest() {
        closest.withUnsafeBufferPointer { cl in
            cumulative.withUnsafeMutableBufferPointer { cu in
                var s = 0.0
                for i in 0..<cl.count {
                    s += Double(cl[i])
                    cu[i] = s
                }
            }
        }
    }

    /// The first index whose running sum exceeds `r` (so points at distance zero are never drawn),
    /// clamped to the last point against rounding.
    func firstCumulative(above r: Double) -> Int {
        cumulative.withUnsafeBufferPointer { cu in
            var lo = 0
            var hi = cu.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if cu[mid] > r { hi = mid } else { lo = mid + 1 }
            }
            return Swift.min(lo, cu.count - 1)
        }
    }

    /// The candidate whose addition as a seed leaves the lowest potential (ties to the earlier draw).
    mutating func bestCandidate(points: DenseMatrix, candidates: [Int]) -> Int {
        let d = dimension
        let m = candidates.count
        var rows = [Float](repeating: 0, count: m * d)
        for (t, i) in candidates.enumerated() {
            for j in 0..<d { rows[t * d + j] = points.values[i * d + j] }
        }
        // The candidates go through the same transposed panel as the Lloyd assignment: one fused
        // multiply-add per feature scores eight candidates at once.
        let panel = CentroidPanel(centroids: rows, count: m, dimension: d)
        let panelBlocks = panel.blockCount
        let lanes = panelBlocks * 8
        let geometry = self.geometry
        var partial = [Double](repeating: 0, count: geometry.blockCount * lanes)
        points.values.withUnsafeBufferPointer { x in
            closest.withUnsafeBufferPointer { cl in
                pointNorms.withUnsafeBufferPointer { pn in
                    partial.withUnsafeMutableBufferPointer { part in
                        panel.withStorage { w, nrm in
                            let xP = SharedPointer(x.baseAddress!)
                            let clP = SharedPointer(cl.baseAddress!)
                            let pnP = SharedPointer(pn.baseAddress!)
                            let pP = SharedMutablePointer(part.baseAddress!)
                            let wP = SharedPointer(w)
                            let nP = SharedPointer(nrm)
                            geometry.forEachBlock { b in
                                let block = geometry.range(ofBlock: b)
                                for pb in 0..<panelBlocks {
                                    var acc = SIMD8<Double>()
                                    var start = block.lowerBound
                                    while start < block.upperBound {
                                        // Float sums over short runs, Double across them: exact enough, and no
                                        // widening conversion per point.
                                        let end = Swift.min(block.upperBound, start + 256)
                                        var run = SIMD8<Float>()
                                        for i in start..<end {
                                            let scores = CentroidPanel.blockScores(
                                                xP.base + i * d, dimension: d, weights: wP.base + pb * d,
                                                start: nP.base[pb])
                                            // ‖x‖² + ‖c‖² − 2x·c may dip below zero by rounding; a distance cannot.
                                            var dist = SIMD8(repeating: pnP.base[i]) + scores
                                            dist.replace(with: SIMD8<Float>(), where: dist .< SIMD8<Float>())
                                            let current = SIMD8<Float>(repeating: clP.base[i])
                                            dist.replace(with: current, where: current .< dist)
                                            run += dist
                                        }
                                        acc += SIMD8<Double>(run)
                                        start = end
                                    }
                                    for lane in 0..<8 { pP.base[b * lanes + pb * 8 + lane] = acc[lane] }
                                }
                            }
                        }
                    }
                }
            }
        }
        var bestIndex = candidates[0]
        var bestPotential = Double.infinity
        for t in 0..<m {
            var total = 0.0
            for b in 0..<geometry.blockCount { total += partial[b * lanes + t] }
            if total < bestPotential {
                bestPotential = total
                bestIndex = candidates[t]
            }
        }
        return bestIndex
    }
}
