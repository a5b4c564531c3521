import CAttuneIntrinsics

/// Exact top-k of `u · vᵢ + bᵢ` over item factors that usually reads a small part of the
/// catalogue: items are visited in decreasing norm of `[vᵢ, bᵢ]`, and since no item can score
/// more than `‖[u, 1]‖ · ‖[vᵢ, bᵢ]‖` (Cauchy–Schwarz), the scan stops as soon as that bound falls
/// below the k-th best score found. Factor models put the most wanted items at large norms, so a
/// request for the top 50 typically stops after a fraction of the items, where scoring every
/// item reads the whole factor matrix (5 MB at 20,000 x 64) per request.
///
/// The search keeps its own copy of the item factors in that order, transposed in blocks of eight
/// items, so that it reads memory front to back and scores eight items per SIMD operation with
/// no horizontal sums; a block whose scores cannot enter the top is dismissed with one compare.
///
/// The answer is the one scoring every item and selecting with ``TopKSelector`` gives: each dot
/// product is summed in the order of ``VectorKernels/dot4(_:rows:stride:count:)``, which scores
/// the full scan, and ties go to the lower index.
package struct NormBoundedSearch: Sendable {
    /// Items scored together, one per SIMD lane.
    static let width = 8

    private let f: Int
    private let count: Int
    /// The factors in `order`, transposed per block of ``width`` items: block `b` holds, factor by
    /// factor, the values of its items (`[b][c][lane]`), the last block padded with zero rows. The
    /// scan reads it front to back, and scores a block with vertical SIMD operations only.
    private let blocks: [Float]
    /// `bᵢ` in `order`, padded like `blocks`; empty without biases.
    private let bias: [Float]
    /// Item indices by decreasing norm of `[vᵢ, bᵢ]`.
    private let order: [Int32]
    /// Per block, the norm of its first (largest) item, rounded up so that rounding never cuts
    /// the scan short.
    private let blockNorms: [Float]

    /// - Parameters:
    ///   - itemFactors: items x f.
    ///   - itemBias: one per item, or empty.
    package init(itemFactors: DenseMatrix, itemBias: [Float] = []) {
        precondition(itemBias.isEmpty || itemBias.count == itemFactors.rowCount, "one bias per item")
        let f = itemFactors.columnCount
        let n = itemFactors.rowCount
        var norm = [Float](repeating: 0, count: n)
        itemFactors.values.withUnsafeBufferPointer { v in
            for i in 0..<n {
                var sum: Double = itemBias.isEmpty ? 0 : Double(itemBias[i]) * Double(itemBias[i])
                for c in 0..<f { sum += Double(v[i * f + c]) * Double(v[i * f + c]) }
                // A NaN row is visited first (it can never be returned, but must not break the order).
                norm[i] = sum.isNaN ? .infinity : Float(sum.squareRoot() * (1 + 1e-5))
            }
        }
        let order: [Int32] = (0..<Int32(n)).sorted { (a: Int32, b: Int32) -> Bool in
            norm[Int(a)] != norm[Int(b)] ? norm[Int(a)] > norm[Int(b)] : a < b
        }
        let w = Self.width
        let blockCount = (n + w - 1) / w
        // Never empty, so that its base address exists even for zero factors.
        var blocks = [Float](repeating: 0, count: max(1, blockCount * f * w))
        itemFactors.values.withUnsafeBufferPointer { v in
            blocks.withUnsafeMutableBufferPointer { out in
                for (position, item) in order.enumerated() {
                    let block = position / w
                    let lane = position % w
                    for c in 0..<f { out[(block * f + c) * w + lane] = v[Int(item) * f + c] }
                }
            }
        }
        self.f = f
        self.count = n
        self.order = order
        self.blocks = blocks
        let padding = [Float](repeating: 0, count: blockCount * w - n)
        self.bias = itemBias.isEmpty ? [] : order.map { itemBias[Int($0)] } + padding
        self.blockNorms = (0..<blockCount).map { norm[Int(order[$0 * w])] }
    }

    package var itemCount: Int { count }

    /// Bytes of the search's arrays: a copy of the item factors (and biases) in norm order, the
    /// order, and the block norms.
    package var ownedBytes: Int { (blocks.capacity + bias.capacity + order.capacity + blockNorms.capacity) * 4 }

    /// The best `k` items for `userVector` (f values) outside `excluded` (sorted ascending), best
    /// first, with their scores; NaN scores are never returned.
    package func top(
        userVector: UnsafeBufferPointer<Float>, k: Int, excluding excluded: [Int32]
    ) -> [(item: Int32, score: Float)] {
        var visited = 0
        return top(userVector: userVector, k: k, excluding: excluded, visited: &visited)
    }

    /// As ``top(userVector:k:excluding:)``, also counting the items whose score was computed
    /// before the bound stopped the scan (a benchmark's figure).
    package func top(
        userVector: UnsafeBufferPointer<Float>, k: Int, excluding excluded: [Int32], visited: inout Int
    ) -> [(item: Int32, score: Float)] {
        visited = 0
        precondition(userVector.count == f, "user vector width")
        guard k > 0, count > 0 else { return [] }
        var squared: Double = bias.isEmpty ? 0 : 1
        for x in userVector { squared += Double(x) * Double(x) }
        let userNorm = Float(squared.squareRoot() * (1 + 1e-5))
        var heapScores = [Float](repeating: 0, count: k)
        var heapItems = [Int32](repeating: 0, count: k)
        var size = 0
        let f = f
        let w = Self.width
        // The excluded items as a bitset up to the largest one: a candidate's test is one load
        // where a binary search over the history took a handful of unpredictable branches.
        let largest = Swift.min(Int(excluded.max() ?? -1), count &- 1)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: largest < 0 ? 0 : largest >> 6 &+ 1) { exclusion in
            exclusion.initialize(repeating: 0)
            for item in excluded where item >= 0 && Int(item) <= largest {
                exclusion[Int(item) >> 6] |= 1 << UInt64(item & 63)
            }
            let words = exclusion.count
            // The user's values, each broadcast to a vector: the block loop multiplies by them as is.
            withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: max(f, 1)) { broadcast in
                for c in 0..<f { broadcast[c] = SIMD8(repeating: userVector[c]) }
                let ub = UnsafeRawPointer(broadcast.baseAddress!)
                blocks.withUnsafeBufferPointer { v in
                bias.withUnsafeBufferPointer { biasInOrder in
                order.withUnsafeBufferPointer { items in
                blockNorms.withUnsafeBufferPointer { norms in
                heapScores.withUnsafeMutableBufferPointer { hs in
                heapItems.withUnsafeMutableBufferPointer { hi in
                    let base = UnsafeRawPointer(v.baseAddress!)
                    let stride8 = f & ~7
                    let blockBytes = f &* 32
                    let blockCount = norms.count
                    let hasBias = !biasInOrder.isEmpty
                    var block = 0
                    while block < blockCount {
                        if size == k {
                            // A little slack over the bound: float rounding of the dot product.
                            let bound = userNorm * norms[block]
                            if bound + 1e-6 * abs(bound) < hs[0] { break }
                        }
                        let rows = base + block &* blockBytes
                        var four = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
                        let group: Int
                        if blockCount &- block >= 4, stride8 == f {
                            four = Self.scores4(rows, ub, f: f, blockBytes: blockBytes)
                            group = 4
                        } else {
                            four.0 = Self.scores(rows, ub, f: f, blocked: stride8)
                            group = 1
                        }
                        for g in 0..<group {
                            var scores = g == 0 ? four.0 : g == 1 ? four.1 : g == 2 ? four.2 : four.3
                            let first = (block &+ g) &* w
                            if hasBias { scores += Self.lanes(UnsafeRawPointer(biasInOrder.baseAddress! + first), 0) }
                            // Most blocks hold no item that can enter a full heap: one comparison
                            // skips them (NaN lanes compare false, and NaN is never returned).
                            // Padding lanes are never candidates.
                            var candidates = size == k ? attune_lanes_at_least(scores, hs[0]) : 0xFF
                            candidates &= Self.liveLanes(count &- first)
                            while candidates != 0 {
                                let j = candidates.trailingZeroBitCount
                                candidates &= candidates &- 1
                                let item = items[first &+ j]
                                let s = scores[j]
                                guard s == s else { continue }  // NaN
                                if size == k, !Self.worse(hs[0], hi[0], s, item) { continue }
                                let word = Int(item) >> 6
                                if word < words, exclusion[word] & (1 << UInt64(item & 63)) != 0 { continue }
                                if size < k {
                                    Self.push(s, item, hs, hi, &size)
                                } else {
                                    hs[0] = s
                                    hi[0] = item
                                    Self.siftDown(hs, hi, size)
                                }
                            }
                        }
                        block &+= group
                    }
                    visited = Swift.min(block &* w, count)
                }}}}}}
            }
        }
        // Pop worst-first into the output from the back.
        var out = [(item: Int32, score: Float)](repeating: (0, 0), count: size)
        heapScores.withUnsafeMutableBufferPointer { hs in
            heapItems.withUnsafeMutableBufferPointer { hi in
                var count = size
                while count > 0 {
                    out[count - 1] = (hi[0], hs[0])
                    count -= 1
                    hs[0] = hs[count]
                    hi[0] = hi[count]
                    Self.siftDown(hs, hi, count)
                }
            }
        }
        return out
    }

    /// `a` ranks below `b`: lower score, or the same score and a larger index.
    @inline(__always)
    static func worse(_ sa: Float, _ ia: Int32, _ sb: Float, _ ib: Int32) -> Bool {
        sa < sb || (sa == sb && ia > ib)
    }

    @inline(__always)
    static func push(
        _ s: Float, _ idx: Int32, _ hs: UnsafeMutableBufferPointer<Float>, _ hi: UnsafeMutableBufferPointer<Int32>,
        _ size: inout Int
    ) {
        var pos = size
        size &+= 1
        while pos > 0 {
            let parent = (pos &- 1) >> 1
            guard worse(s, idx, hs[parent], hi[parent]) else { break }
            hs[pos] = hs[parent]
            hi[pos] = hi[parent]
            pos = parent
        }
        hs[pos] = s
        hi[pos] = idx
    }

    /// Restores the min-heap (root = worst) after the root was replaced.
    @inline(__always)
    static func siftDown(_ hs: UnsafeMutableBufferPointer<Float>, _ hi: UnsafeMutableBufferPointer<Int32>, _ size: Int) {
        let s = hs[0]
        let idx = hi[0]
        var pos = 0
        while true {
            var child = 2 &* pos &+ 1
            if child >= size { break }
            let right = child &+ 1
            if right < size && worse(hs[right], hi[right], hs[child], hi[child]) { child = right }
            guard worse(hs[child], hi[child], s, idx) else { break }
            hs[pos] = hs[child]
            hi[pos] = hi[child]
            pos = child
        }
        hs[pos] = s
        hi[pos] = idx
    }
}
