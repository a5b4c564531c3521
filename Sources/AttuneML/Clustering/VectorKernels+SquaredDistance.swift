extension VectorKernels {
    /// `‖a − b‖²` over `count` elements.
    ///
    /// Computed from the differences rather than from norms and a dot product, so it does not lose
    /// precision when the points are far from the origin (the final inertia and the Ward merges
    /// rely on it).
    /// - Complexity: O(count).
    @inlinable @inline(__always)
    package static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>()
        var acc1 = SIMD8<Float>()
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        var i = 0
        while i &+ 16 <= count {
            let d0 =
                ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            let d1 =
                ra.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
            acc0.addProduct(d0, d0)
            acc1.addProduct(d1, d1)
            i &+= 16
        }
        if i &+ 8 <= count {
            let d0 =
                ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            acc0.addProduct(d0, d0)
            i &+= 8
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            let diff = a[i] - b[i]
            sum += diff * diff
            i &+= 1
        }
        return sum
    }

    /// Plain-loop `‖a − b‖²` accumulated in `Double`: the oracle for ``squaredDistance(_:_:count:)``.
    package static func squaredDistanceScalar(_ a: [Float], _ b: [Float]) -> Float {
        var s = 0.0
        for i in a.indices {
            let diff = Double(a[i]) - Double(b[i])
            s += diff * diff
        }
        return Float(s)
    }
}
