/// The block kernels of ``NormBoundedSearch``: eight items per SIMD lane, read from the search's
/// transposed copy of the factors.
extension NormBoundedSearch {
    /// The lanes of a block that hold items when `remaining` items start at it.
    @inline(__always)
    static func liveLanes(_ remaining: Int) -> UInt32 {
        remaining >= 8 ? 0xFF : (1 << UInt32(remaining)) &- 1
    }

    /// ``scores(_:_:f:blocked:)`` of four consecutive blocks, `bs` bytes apart (f a multiple of 8):
    /// each load of the user's values serves four blocks, where one block alone spends a load per
    /// multiply-add. The accumulators are computed two at a time (eight live registers) and added
    /// to the running sums in the same order, so the bits are those of one block at a time.
    @inline(__always)
    static func scores4(
        _ rows: UnsafeRawPointer, _ user: UnsafeRawPointer, f: Int, blockBytes bs: Int
    ) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        var s0 = SIMD8<Float>()
        var s1 = SIMD8<Float>()
        var s2 = SIMD8<Float>()
        var s3 = SIMD8<Float>()
        var j = 0
        while j < 8 {
            var a0 = SIMD8<Float>()
            var a1 = SIMD8<Float>()
            var a2 = SIMD8<Float>()
            var a3 = SIMD8<Float>()
            var b0 = SIMD8<Float>()
            var b1 = SIMD8<Float>()
            var b2 = SIMD8<Float>()
            var b3 = SIMD8<Float>()
            var c = j
            while c < f {
                let o = c &* 32
                let ua = user.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                let ub = user.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self)
                a0.addProduct(rows.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), ua)
                a1.addProduct(rows.loadUnaligned(fromByteOffset: o &+ bs, as: SIMD8<Float>.self), ua)
                a2.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 2 &* bs, as: SIMD8<Float>.self), ua)
                a3.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 3 &* bs, as: SIMD8<Float>.self), ua)
                b0.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self), ub)
                b1.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 32 &+ bs, as: SIMD8<Float>.self), ub)
                b2.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 32 &+ 2 &* bs, as: SIMD8<Float>.self), ub)
                b3.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 32 &+ 3 &* bs, as: SIMD8<Float>.self), ub)
                c &+= 8
            }
            if j == 0 {
                s0 = a0 + b0
                s1 = a1 + b1
                s2 = a2 + b2
                s3 = a3 + b3
            } else {
                s0 += a0
                s0 += b0
                s1 += a1
                s1 += b1
                s2 += a2
                s2 += b2
                s3 += a3
                s3 += b3
            }
            j &+= 2
        }
        return (s0, s1, s2, s3)
    }

    /// The dot products of the user vector (each value broadcast to 8 lanes, at `user`) with the
    /// ``width`` items of the block at `rows`, each lane summed exactly as one row of
    /// ``VectorKernels/dot4(_:rows:stride:count:)``: accumulator `j` takes factors `j, j + 8, …`
    /// (up to `blocked`, f rounded down to a multiple of 8) by fused multiply-add, the eight are
    /// added in order (as `SIMD8.sum()` adds its lanes), then the tail factors one by one with a
    /// separate multiply and add. Lane for lane the operations are the same, so the bits are.
    @inline(__always)
    static func scores(_ rows: UnsafeRawPointer, _ user: UnsafeRawPointer, f: Int, blocked: Int) -> SIMD8<Float> {
        var a0 = SIMD8<Float>()
        var a1 = SIMD8<Float>()
        var a2 = SIMD8<Float>()
        var a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>()
        var a5 = SIMD8<Float>()
        var a6 = SIMD8<Float>()
        var a7 = SIMD8<Float>()
        var c = 0
        while c < blocked {
            let o = c &* 32
            a0.addProduct(rows.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), user.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            a1.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self), user.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self))
            a2.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD8<Float>.self), user.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD8<Float>.self))
            a3.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 96, as: SIMD8<Float>.self), user.loadUnaligned(fromByteOffset: o &+ 96, as: SIMD8<Float>.self))
            a4.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD8<Float>.self), user.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD8<Float>.self))
            a5.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 160, as: SIMD8<Float>.self), user.loadUnaligned(fromByteOffset: o &+ 160, as: SIMD8<Float>.self))
            a6.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD8<Float>.self), user.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD8<Float>.self))
            a7.addProduct(rows.loadUnaligned(fromByteOffset: o &+ 224, as: SIMD8<Float>.self), user.loadUnaligned(fromByteOffset: o &+ 224, as: SIMD8<Float>.self))
            c &+= 8
        }
        var s = a0 + a1
        s += a2
        s += a3
        s += a4
        s += a5
        s += a6
        s += a7
        while c < f {
            let o = c &* 32
            s += rows.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * user.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            c &+= 1
        }
        return s
    }
}
