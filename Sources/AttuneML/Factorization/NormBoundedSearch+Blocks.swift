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
                let ua = lanes(user, o)
                let ub = lanes(user, o &+ 32)
                a0.addProduct(lanes(rows, o), ua)
                a1.addProduct(lanes(rows, o &+ bs), ua)
                a2.addProduct(lanes(rows, o &+ 2 &* bs), ua)
                a3.addProduct(lanes(rows, o &+ 3 &* bs), ua)
                b0.addProduct(lanes(rows, o &+ 32), ub)
                b1.addProduct(lanes(rows, o &+ 32 &+ bs), ub)
                b2.addProduct(lanes(rows, o &+ 32 &+ 2 &* bs), ub)
                b3.addProduct(lanes(rows, o &+ 32 &+ 3 &* bs), ub)
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
            a0.addProduct(lanes(rows, o), lanes(user, o))
            a1.addProduct(lanes(rows, o &+ 32), lanes(user, o &+ 32))
            a2.addProduct(lanes(rows, o &+ 64), lanes(user, o &+ 64))
            a3.addProduct(lanes(rows, o &+ 96), lanes(user, o &+ 96))
            a4.addProduct(lanes(rows, o &+ 128), lanes(user, o &+ 128))
            a5.addProduct(lanes(rows, o &+ 160), lanes(user, o &+ 160))
            a6.addProduct(lanes(rows, o &+ 192), lanes(user, o &+ 192))
            a7.addProduct(lanes(rows, o &+ 224), lanes(user, o &+ 224))
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
            s += lanes(rows, o) * lanes(user, o)
            c &+= 1
        }
        return s
    }

    /// Eight floats at `offset` bytes from `base`.
    @inline(__always)
    static func lanes(_ base: UnsafeRawPointer, _ offset: Int) -> SIMD8<Float> {
        base.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
    }
}
