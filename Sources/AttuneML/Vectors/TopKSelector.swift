/// Selects the `k` best-scoring indices of a score vector, skipping an excluded set.
///
/// Order is score descending, ties by ascending index (so lists are reproducible and match the
/// evaluation protocol's tie rule). NaN scores are never selected. The selector owns its scratch
/// heap; make one per thread and reuse it for every user.
package struct TopKSelector {
    package let k: Int
    private var heapScores: [Float]
    private var heapIndices: [Int32]

    /// - Parameter k: how many indices to keep (>= 0).
    package init(k: Int) {
        precondition(k >= 0, "k must be non-negative")
        self.k = k
        heapScores = [Float](repeating: 0, count: Swift.max(k, 1))
        heapIndices = [Int32](repeating: 0, count: Swift.max(k, 1))
    }

    /// Writes the best indices of `scores` (best first) into `output` and returns how many were
    /// written (fewer than `k` only when fewer items are eligible).
    ///
    /// - Parameters:
    ///   - scores: one score per index.
    ///   - excluded: indices never to return, sorted ascending (e.g. a CSR row of seen items).
    ///   - output: room for at least `k` indices.
    /// - Complexity: O(n log k) worst case, O(n) typical (most candidates lose to the heap root).
    package mutating func select(
        scores: UnsafeBufferPointer<Float>,
        excluding excluded: UnsafeBufferPointer<Int32>,
        into output: UnsafeMutableBufferPointer<Int32>
    ) -> Int {
        let k = self.k
        precondition(output.count >= k, "output smaller than k")
        if k == 0 { return 0 }
        let n = scores.count
        let exCount = excluded.count
        return heapScores.withUnsafeMutableBufferPointer { hs in
            heapIndices.withUnsafeMutableBufferPointer { hi in
                var size = 0
                var ex = 0
                var nextExcluded = exCount > 0 ? Int(excluded[0]) : Int.max
                var i = 0
                while i < n {
                    if i == nextExcluded {
                        ex &+= 1
                        // Skip repeats in the excluded list as well.
                        while ex < exCount && Int(excluded[ex]) <= i { ex &+= 1 }
                        nextExcluded = ex < exCount ? Int(excluded[ex]) : Int.max
                        i &+= 1
                        continue
                    }
                    let s = scores[i]
                    if size < k {
                        if s == s {  // not NaN
                            Self.push(s, Int32(i), hs, hi, &size)
                        }
                    } else if s > hs[0] {
                        // Candidates come in ascending index, so an equal score never beats the root.
                        hs[0] = s
                        hi[0] = Int32(i)
                        Self.siftDown(hs, hi, size)
                    }
                    i &+= 1
                }
                // Pop worst-first into the output from the back.
                var count = size
                while count > 0 {
                    output[count &- 1] = hi[0]
                    count &-= 1
                    hs[0] = hs[count]
                    hi[0] = hi[count]
                    Self.siftDown(hs, hi, count)
                }
                return size
            }
        }
    }

    /// Convenience for arrays; `excluded` must be sorted ascending.
    package mutating func select(scores: [Float], excluding excluded: [Int32] = []) -> [Int32] {
        var out = [Int32](repeating: 0, count: k)
        let n = scores.withUnsafeBufferPointer { s in
            excluded.withUnsafeBufferPointer { e in
                out.withUnsafeMutableBufferPointer { o in select(scores: s, excluding: e, into: o) }
            }
        }
        return Array(out.prefix(n))
    }

    /// Reference implementation: full sort. Used as the oracle in tests.
    package static func selectBySorting(scores: [Float], k: Int, excluding excluded: Set<Int32>) -> [Int32] {
        let candidates = scores.indices.filter { !excluded.contains(Int32($0)) && !scores[$0].isNaN }
        let sorted = candidates.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return sorted.prefix(k).map { Int32($0) }
    }

    /// `a` ranks below `b`: lower score, or same score and larger index.
    @inline(__always)
    private static func worse(_ sa: Float, _ ia: Int32, _ sb: Float, _ ib: Int32) -> Bool {
        sa < sb || (sa == sb && ia > ib)
    }

    @inline(__always)
    private static func push(
        _ s: Float, _ idx: Int32,
        _ hs: UnsafeMutableBufferPointer<Float>, _ hi: UnsafeMutableBufferPointer<Int32>, _ size: inout Int
    ) {
        var pos = size
        size &+= 1
        while pos > 0 {
            let parent = (pos &- 1) >> 1
            if worse(s, idx, hs[parent], hi[parent]) {
                hs[pos] = hs[parent]
                hi[pos] = hi[parent]
                pos = parent
            } else {
                break
            }
        }
        hs[pos] = s
        hi[pos] = idx
    }

    /// Restores the min-heap (root = worst) after the root was replaced.
    @inline(__always)
    private static func siftDown(
        _ hs: UnsafeMutableBufferPointer<Float>, _ hi: UnsafeMutableBufferPointer<Int32>, _ size: Int
    ) {
        let s = hs[0]
        let idx = hi[0]
        var pos = 0
        while true {
            var child = 2 &* pos &+ 1
            if child >= size { break }
            let right = child &+ 1
            if right < size && worse(hs[right], hi[right], hs[child], hi[child]) { child = right }
            if worse(hs[child], hi[child], s, idx) {
                hs[pos] = hs[child]
                hi[pos] = hi[child]
                pos = child
            } else {
                break
            }
        }
        hs[pos] = s
        hi[pos] = idx
    }
}
