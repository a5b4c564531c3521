/// Dense `Float` vector kernels over raw pointers, with a plain scalar twin of each as test oracle.
///
/// The fast paths use `SIMD8<Float>` with two accumulators so that an AVX2/FMA build issues two
/// independent fused multiply-adds per cycle; the scalar versions exist only to check them.
package enum VectorKernels {
    /// The dot product of `a[0..<count]` and `b[0..<count]`.
    /// - Complexity: O(count).
    @inlinable @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>()
        var acc1 = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        while i &+ 16 <= count {
            acc0.addProduct(
                ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self),
                rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
            acc1.addProduct(
                ra.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self),
                rb.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self))
            i &+= 16
        }
        if i &+ 8 <= count {
            acc0.addProduct(
                ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self),
                rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
            i &+= 8
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += a[i] * b[i]
            i &+= 1
        }
        return sum
    }

    /// `y += alpha * x` over `count` elements.
    /// - Complexity: O(count).
    @inlinable @inline(__always)
    package static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let va = SIMD8<Float>(repeating: alpha)
        let rx = UnsafeRawPointer(x)
        let ry = UnsafeMutableRawPointer(y)
        var i = 0
        while i &+ 8 <= count {
            var vy = UnsafeRawPointer(ry).loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            vy.addProduct(va, rx.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
            ry.storeBytes(of: vy, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i &+= 1
        }
    }

    /// Two dot products against the same `x`, sharing its loads and overlapping the two
    /// dependency chains (the inner step of conjugate gradient over a row's items).
    /// - Complexity: O(count).
    @inlinable @inline(__always)
    package static func dot2(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int
    ) -> (Float, Float) {
        var accA = SIMD8<Float>()
        var accB = SIMD8<Float>()
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        let rx = UnsafeRawPointer(x)
        var i = 0
        while i &+ 8 <= count {
            let vx = rx.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            accA.addProduct(ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self), vx)
            accB.addProduct(rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self), vx)
            i &+= 8
        }
        var sa = accA.sum()
        var sb = accB.sum()
        while i < count {
            sa += a[i] * x[i]
            sb += b[i] * x[i]
            i &+= 1
        }
        return (sa, sb)
    }

    /// `x · rowᵢ` for the four rows of `count` floats starting at `rows`, spaced `stride` apart:
    /// one load of `x` serves four products, and four independent accumulators keep the FMA units
    /// busy (scoring a catalogue against one user vector).
    /// - Complexity: O(4 · count).
    @inlinable @inline(__always)
    package static func dot4(
        _ x: UnsafePointer<Float>, rows: UnsafePointer<Float>, stride: Int, count: Int
    ) -> SIMD4<Float> {
        dot4(x, rows, rows + stride, rows + 2 &* stride, rows + 3 &* stride, count: count)
    }

    /// `x · rᵢ` for four rows anywhere in memory (a search visiting rows out of order), summed in
    /// the same order as the strided form, so both give the same bits.
    /// - Complexity: O(4 · count).
    @inlinable @inline(__always)
    package static func dot4(
        _ x: UnsafePointer<Float>, _ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, _ r2: UnsafePointer<Float>,
        _ r3: UnsafePointer<Float>, count: Int
    ) -> SIMD4<Float> {
        var a0 = SIMD8<Float>()
        var a1 = SIMD8<Float>()
        var a2 = SIMD8<Float>()
        var a3 = SIMD8<Float>()
        let rx = UnsafeRawPointer(x)
        let p0 = UnsafeRawPointer(r0)
        let p1 = UnsafeRawPointer(r1)
        let p2 = UnsafeRawPointer(r2)
        let p3 = UnsafeRawPointer(r3)
        var i = 0
        while i &+ 8 <= count {
            let o = i &* 4
            let vx = rx.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            a0.addProduct(p0.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), vx)
            a1.addProduct(p1.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), vx)
            a2.addProduct(p2.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), vx)
            a3.addProduct(p3.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), vx)
            i &+= 8
        }
        var out = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        while i < count {
            out += SIMD4<Float>(r0[i], r1[i], r2[i], r3[i]) * x[i]
            i &+= 1
        }
        return out
    }

    /// `y += alphaA * a + alphaB * b`, reading and writing `y` once.
    /// - Complexity: O(count).
    @inlinable @inline(__always)
    package static func axpy2(
        _ alphaA: Float, _ a: UnsafePointer<Float>, _ alphaB: Float, _ b: UnsafePointer<Float>,
        _ y: UnsafeMutablePointer<Float>, count: Int
    ) {
        let va = SIMD8<Float>(repeating: alphaA)
        let vb = SIMD8<Float>(repeating: alphaB)
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        let ry = UnsafeMutableRawPointer(y)
        var i = 0
        while i &+ 8 <= count {
            var vy = UnsafeRawPointer(ry).loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            vy.addProduct(va, ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
            vy.addProduct(vb, rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
            ry.storeBytes(of: vy, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            y[i] += alphaA * a[i] + alphaB * b[i]
            i &+= 1
        }
    }

    /// `y = x + beta * y` over `count` elements (the conjugate-gradient direction update).
    /// - Complexity: O(count).
    @inlinable @inline(__always)
    package static func xpby(_ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let vb = SIMD8<Float>(repeating: beta)
        let rx = UnsafeRawPointer(x)
        let ry = UnsafeMutableRawPointer(y)
        var i = 0
        while i &+ 8 <= count {
            var vx = rx.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            vx.addProduct(vb, UnsafeRawPointer(ry).loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
            ry.storeBytes(of: vx, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            y[i] = x[i] + beta * y[i]
            i &+= 1
        }
    }

    /// The Euclidean norm of `a[0..<count]`.
    /// - Complexity: O(count).
    @inlinable
    package static func norm(_ a: UnsafePointer<Float>, count: Int) -> Float {
        dot(a, a, count: count).squareRoot()
    }

    // MARK: Array conveniences (not for hot loops)

    /// The dot product of two equally long arrays.
    package static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dot of unequal lengths")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in dot(pa.baseAddress!, pb.baseAddress!, count: a.count) }
        }
    }

    /// `y += alpha * x` on arrays.
    package static func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
        precondition(x.count == y.count, "axpy of unequal lengths")
        let n = x.count
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in axpy(alpha, px.baseAddress!, py.baseAddress!, count: n) }
        }
    }

    /// The Euclidean norm of an array.
    package static func norm(_ a: [Float]) -> Float {
        a.withUnsafeBufferPointer { norm($0.baseAddress!, count: a.count) }
    }

    // MARK: Scalar oracles

    /// Plain-loop dot product accumulated in `Double`: the reference the fast kernel is tested against.
    package static func dotScalar(_ a: [Float], _ b: [Float]) -> Float {
        var sum = 0.0
        for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
        return Float(sum)
    }

    /// Plain-loop `y += alpha * x`.
    package static func axpyScalar(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
        for i in x.indices { y[i] += alpha * x[i] }
    }

    /// Plain-loop Euclidean norm accumulated in `Double`.
    package static func normScalar(_ a: [Float]) -> Float {
        Float(a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
    }
}
