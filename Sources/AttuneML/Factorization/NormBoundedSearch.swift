/// Exact top-k of `u · vᵢ + bᵢ` over item factors that usually reads a small part of the
/// catalogue: items are visited in decreasing norm of `[vᵢ, bᵢ]`, and since no item can score
/// more than `‖[u, 1]‖ · ‖[vᵢ, bᵢ]‖` (Cauchy–Schwarz), the scan stops as soon as that bound falls
/// below the k-th best score found. Factor models put the most wanted items at large norms, so a
/// request for the top 50 typically stops after a fraction of the items, where scoring every
/// item reads the whole factor matrix (5 MB at 20,000 x 64) per request.
///
/// The answer is the one scoring every item and selecting with ``TopKSelector`` gives: each dot
/// product is summed in the order of ``VectorKernels/dot4(_:rows:stride:count:)``, which scores
/// the full scan, and ties go to the lower index.
package struct NormBoundedSearch: Sendable {
    private let factors: DenseMatrix
    private let bias: [Float]
    /// Item indices by decreasing norm of `[vᵢ, bᵢ]`.
    private let order: [Int32]
    /// Those norms, in the same order, rounded up so that rounding never cuts the scan short.
    private let norms: [Float]

    /// - Parameters:
    ///   - itemFactors: items x f.
    ///   - itemBias: one per item, or empty.
    package init(itemFactors: DenseMatrix, itemBias: [Float] = []) {
        precondition(itemBias.isEmpty || itemBias.count == itemFactors.rowCount, "one bias per item")
        factors = itemFactors
        bias = itemBias
        let f = itemFactors.columnCount
        var norm = [Float](repeating: 0, count: itemFactors.rowCount)
        itemFactors.values.withUnsafeBufferPointer { v in
            for i in 0..<itemFactors.rowCount {
                var sum: Double = itemBias.isEmpty ? 0 : Double(itemBias[i]) * Double(itemBias[i])
                for c in 0..<f { sum += Double(v[i * f + c]) * Double(v[i * f + c]) }
                // A NaN row is visited first (it can never be returned, but must not break the order).
                norm[i] = sum.isNaN ? .infinity : Float(sum.squareRoot() * (1 + 1e-5))
            }
        }
        order = (0..<Int32(itemFactors.rowCount)).sorted { norm[Int($0)] != norm[Int($1)] ? norm[Int($0)] > norm[Int($1)] : $0 < $1 }
        norms = order.map { norm[Int($0)] }
    }

    package var itemCount: Int { factors.rowCount }

    /// Bytes of the order and norm arrays (the factors and biases are the model's, shared).
    package var ownedBytes: Int { (order.capacity + norms.capacity) * 4 }

    /// The best `k` items for `userVector` (f values) outside `excluded` (sorted ascending), best
    /// first, with their scores; NaN scores are never returned.
    package func top(userVector: UnsafeBufferPointer<Float>, k: Int, excluding excluded: [Int32]) -> [(item: Int32, score: Float)] {
        var visited = 0
        return top(userVector: userVector, k: k, excluding: excluded, visited: &visited)
    }

    /// As ``top(userVector:k:excluding:)``, also counting the items whose score was computed
    /// before the bound stopped the scan (a benchmark's figure).
    package func top(
        userVector: UnsafeBufferPointer<Float>, k: Int, excluding excluded: [Int32], visited: inout Int
    ) -> [(item: Int32, score: Float)] {
        visited = 0
        let f = factors.columnCount
        precondition(userVector.count == f, "user vector width")
        guard k > 0, itemCount > 0 else { return [] }
        var squared: Double = bias.isEmpty ? 0 : 1
        for x in userVector { squared += Double(x) * Double(x) }
        let userNorm = Float(squared.squareRoot() * (1 + 1e-5))
        var heapScores = [Float](repeating: 0, count: k)
        var heapItems = [Int32](repeating: 0, count: k)
        var size = 0
        factors.values.withUnsafeBufferPointer { v in
            heapScores.withUnsafeMutableBufferPointer { hs in
                heapItems.withUnsafeMutableBufferPointer { hi in
                    let u = userVector.baseAddress!
                    let base = v.baseAddress!
                    var scores = SIMD4<Float>()
                    var position = 0
                    while position < order.count {
                        if size == k {
                            // A little slack over the bound: float rounding of the dot product.
                            let bound = userNorm * norms[position]
                            if bound + 1e-6 * abs(bound) < hs[0] { break }
                        }
                        // Four rows at a time, like the full scan, so that the four dot products
                        // overlap instead of waiting on one accumulator.
                        let group = min(4, order.count &- position)
                        if group == 4 {
                            scores = VectorKernels.dot4(
                                u, base + Int(order[position]) &* f, base + Int(order[position &+ 1]) &* f,
                                base + Int(order[position &+ 2]) &* f, base + Int(order[position &+ 3]) &* f, count: f)
                        } else {
                            for j in 0..<group { scores[j] = Self.dot(u, base + Int(order[position &+ j]) &* f, count: f) }
                        }
                        for j in 0..<group {
                            let item = order[position &+ j]
                            var s = scores[j]
                            if !bias.isEmpty { s += bias[Int(item)] }
                            guard s == s else { continue }  // NaN
                            if size == k, !Self.worse(hs[0], hi[0], s, item) { continue }
                            if excluded.binarySearchContains(item) { continue }
                            if size < k {
                                Self.push(s, item, hs, hi, &size)
                            } else {
                                hs[0] = s
                                hi[0] = item
                                Self.siftDown(hs, hi, size)
                            }
                        }
                        position &+= group
                    }
                    visited = position
                }
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

    /// One row of ``VectorKernels/dot4(_:rows:stride:count:)``: one 8-lane accumulator over the
    /// blocks in order, then the lanes, then the tail, so that scores match the full scan's bits.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ row: UnsafePointer<Float>, count: Int) -> Float {
        var a = SIMD8<Float>()
        let rx = UnsafeRawPointer(x)
        let rr = UnsafeRawPointer(row)
        var i = 0
        while i &+ 8 <= count {
            let o = i &* 4
            a.addProduct(rr.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), rx.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            i &+= 8
        }
        var out = a.sum()
        while i < count {
            out += row[i] * x[i]
            i &+= 1
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

extension Array where Element == Int32 {
    /// Membership in a sorted array.
    fileprivate func binarySearchContains(_ value: Int32) -> Bool {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && self[lo] == value
    }
}
