import RealModule

/// The inner loops of ``FactorizationMachine`` over raw pointers, plus the naive scalar oracle.
///
/// A model output is `ŷ(x) = w₀ + Σⱼ wⱼxⱼ + Σⱼ<ₗ ⟨vⱼ, vₗ⟩ xⱼxₗ`. The pairwise term equals
/// `½ Σ_f [(Σⱼ vⱼf xⱼ)² − Σⱼ vⱼf² xⱼ²]` (Rendle, "Factorization Machines", ICDM 2010, lemma 3.1), so an
/// example of `m` entries costs O(k·m) instead of O(k·m²). Because the sums `s = Σⱼ xⱼvⱼ` add over
/// parts of an example, a part (user and context) can be summed once and joined with many others
/// (items): `pair(A ∪ B) = pair(A) + pair(B) + ⟨s_A, s_B⟩`.
enum FactorizationKernels {
    /// `sums += Σⱼ xⱼ vⱼ` over one part; returns its linear term `Σ wⱼxⱼ` and `Σⱼ xⱼ² ‖vⱼ‖²`.
    /// - Complexity: O(k·m).
    @inline(__always)
    static func accumulate(
        _ idx: UnsafePointer<Int32>, _ val: UnsafePointer<Float>, _ m: Int,
        w: UnsafePointer<Float>, v: UnsafePointer<Float>, k: Int, sums: UnsafeMutablePointer<Float>
    ) -> (linear: Float, squares: Float) {
        var linear: Float = 0
        var squares: Float = 0
        var p = 0
        while p < m {
            let j = Int(idx[p])
            let x = val[p]
            let vj = v + j &* k
            linear += w[j] * x
            squares += x * x * VectorKernels.dot(vj, vj, count: k)
            VectorKernels.axpy(x, vj, sums, count: k)
            p &+= 1
        }
        return (linear, squares)
    }

    /// `y = a·y + b·s` (one SGD step of a factor row: decay plus gradient direction).
    @inline(__always)
    static func scaleAdd(_ a: Float, _ y: UnsafeMutablePointer<Float>, _ b: Float, _ s: UnsafePointer<Float>, k: Int) {
        let va = SIMD8<Float>(repeating: a)
        let vb = SIMD8<Float>(repeating: b)
        let ry = UnsafeMutableRawPointer(y)
        let rs = UnsafeRawPointer(s)
        var i = 0
        while i &+ 8 <= k {
            let vy = UnsafeRawPointer(ry).loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let vs = rs.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: va * vy + vb * vs, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < k {
            y[i] = a * y[i] + b * s[i]
            i &+= 1
        }
    }

    /// One SGD step for the entries of one part, given `g = ∂loss/∂ŷ` and the example's sums `s`
    /// (taken before the step, as in the paper's update rule):
    /// `wⱼ −= η(g·xⱼ + λ_w wⱼ)`, `vⱼ −= η(g·xⱼ(s − vⱼxⱼ) + λ_V vⱼ)`.
    /// Only the touched parameters are regularised, so a step stays O(k·m).
    @inline(__always)
    static func step(
        _ idx: UnsafePointer<Int32>, _ val: UnsafePointer<Float>, _ m: Int, g: Float,
        learningRate lr: Float, linearRegularization regW: Float, regularization regV: Float,
        sums s: UnsafePointer<Float>, w: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, k: Int
    ) {
        var p = 0
        while p < m {
            let j = Int(idx[p])
            let x = val[p]
            w[j] -= lr * (g * x + regW * w[j])
            scaleAdd(1 - lr * regV + lr * g * x * x, v + j &* k, -lr * g * x, s, k: k)
            p &+= 1
        }
    }

    /// `σ(x) = 1 / (1 + e^(−x))`.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Float.exp(-x)) }

    /// Binary search in a sorted CSR row (the seen-items check when drawing negatives).
    @inline(__always)
    static func contains(_ columns: UnsafePointer<Int32>, from start: Int, to end: Int, _ key: Int32) -> Bool {
        var lo = start
        var hi = end
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if columns[mid] < key { lo = mid &+ 1 } else { hi = mid }
        }
        return lo < end && columns[lo] == key
    }

    // MARK: Scalar oracle

    /// The model output by the definition, with the pairwise term as the O(k·m²) double loop,
    /// accumulated in `Double`: the reference the fast path is tested against.
    static func naiveOutput(
        indices: [Int32], values: [Float], bias: Float, linear: [Float], factors: DenseMatrix
    ) -> Double {
        var y = Double(bias)
        for p in indices.indices { y += Double(linear[Int(indices[p])]) * Double(values[p]) }
        for p in indices.indices {
            for q in (p + 1)..<indices.count {
                var d = 0.0
                for f in 0..<factors.columnCount {
                    d += Double(factors[Int(indices[p]), f]) * Double(factors[Int(indices[q]), f])
                }
                y += d * Double(values[p]) * Double(values[q])
            }
        }
        return y
    }
}
