/// Small dense kernels over raw row-major buffers.
package enum MatrixKernels {
    /// `C[i, j] = dot(A[i, :], B[j, :])` for `i < rows(A)`, `j < rows(B)`: the product `A · Bᵀ`.
    ///
    /// Blocked so a tile of `B` stays in L2 while every row of `A` passes over it, with a 2 x 4
    /// register tile (8 SIMD accumulators + 6 operands fit the 16 AVX registers).
    ///
    /// - Parameters:
    ///   - a: `aRows x depth`, row-major.
    ///   - b: `bRows x depth`, row-major.
    ///   - c: output, row `i` starts at `c + i * rowStride`, column `j` is B's row `j`.
    /// - Complexity: O(aRows · bRows · depth).
    package static func multiplyTransposed(
        _ a: UnsafePointer<Float>, rows aRows: Int,
        _ b: UnsafePointer<Float>, rows bRows: Int,
        depth: Int,
        into c: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        let tile = Swift.max(16, (64 * 1024) / Swift.max(1, depth * 4))
        var jStart = 0
        while jStart < bRows {
            let jEnd = Swift.min(bRows, jStart + tile)
            var i = 0
            while i + 2 <= aRows {
                let a0 = a + i * depth
                let a1 = a0 + depth
                let c0 = c + i * rowStride
                let c1 = c0 + rowStride
                var j = jStart
                while j + 4 <= jEnd {
                    let b0 = b + j * depth
                    let s = tile2x4(a0, a1, b0, b0 + depth, b0 + 2 * depth, b0 + 3 * depth, depth: depth)
                    c0[j] = s.0; c0[j + 1] = s.1; c0[j + 2] = s.2; c0[j + 3] = s.3
                    c1[j] = s.4; c1[j + 1] = s.5; c1[j + 2] = s.6; c1[j + 3] = s.7
                    j += 4
                }
                while j < jEnd {
                    let bj = b + j * depth
                    c0[j] = VectorKernels.dot(a0, bj, count: depth)
                    c1[j] = VectorKernels.dot(a1, bj, count: depth)
                    j += 1
                }
                i += 2
            }
            if i < aRows {
                let a0 = a + i * depth
                let c0 = c + i * rowStride
                for j in jStart..<jEnd { c0[j] = VectorKernels.dot(a0, b + j * depth, count: depth) }
            }
            jStart = jEnd
        }
    }

    @inline(__always)
    private static func tile2x4(
        _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>,
        _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
        _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>,
        depth: Int
    ) -> (Float, Float, Float, Float, Float, Float, Float, Float) {
        var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s02 = SIMD8<Float>(), s03 = SIMD8<Float>()
        var s10 = SIMD8<Float>(), s11 = SIMD8<Float>(), s12 = SIMD8<Float>(), s13 = SIMD8<Float>()
        let ra0 = UnsafeRawPointer(a0), ra1 = UnsafeRawPointer(a1)
        let rb0 = UnsafeRawPointer(b0), rb1 = UnsafeRawPointer(b1)
        let rb2 = UnsafeRawPointer(b2), rb3 = UnsafeRawPointer(b3)
        var k = 0
        while k + 8 <= depth {
            let off = k * 4
            let x0 = ra0.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let x1 = ra1.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let y0 = rb0.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let y1 = rb1.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let y2 = rb2.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            let y3 = rb3.loadUnaligned(fromByteOffset: off, as: SIMD8<Float>.self)
            s00.addProduct(x0, y0); s01.addProduct(x0, y1); s02.addProduct(x0, y2); s03.addProduct(x0, y3)
            s10.addProduct(x1, y0); s11.addProduct(x1, y1); s12.addProduct(x1, y2); s13.addProduct(x1, y3)
            k += 8
        }
        var r = (s00.sum(), s01.sum(), s02.sum(), s03.sum(), s10.sum(), s11.sum(), s12.sum(), s13.sum())
        while k < depth {
            let x0 = a0[k], x1 = a1[k]
            r.0 += x0 * b0[k]; r.1 += x0 * b1[k]; r.2 += x0 * b2[k]; r.3 += x0 * b3[k]
            r.4 += x1 * b0[k]; r.5 += x1 * b1[k]; r.6 += x1 * b2[k]; r.7 += x1 * b3[k]
            k += 1
        }
        return r
    }

    /// `y = A · x` for a square row-major `n x n` matrix.
    /// - Complexity: O(n²).
    @inlinable @inline(__always)
    package static func multiply(
        _ m: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, n: Int
    ) {
        for r in 0..<n { y[r] = VectorKernels.dot(m + r * n, x, count: n) }
    }

    /// Solves `A x = b` in place for a symmetric positive-definite `n x n` matrix `A` (overwritten by
    /// its Cholesky factor `L`, lower triangle) and `b` (overwritten by `x`).
    /// - Throws: `AttuneMLError.invalidArgument` when `A` is not positive definite.
    /// - Complexity: O(n³ / 3).
    package static func choleskySolve(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, n: Int) throws {
        // Factor: L row by row (Cholesky–Banachiewicz), using dot products of contiguous row prefixes.
        for i in 0..<n {
            let rowI = a + i * n
            for j in 0...i {
                let rowJ = a + j * n
                let s = rowI[j] - VectorKernels.dot(rowI, rowJ, count: j)
                if i == j {
                    guard s > 0, s.isFinite else {
                        throw AttuneMLError.invalidArgument("matrix is not positive definite at pivot \(i)")
                    }
                    rowI[i] = s.squareRoot()
                } else {
                    rowI[j] = s / rowJ[j]
                }
            }
        }
        // Forward: L y = b.
        for i in 0..<n {
            b[i] = (b[i] - VectorKernels.dot(a + i * n, b, count: i)) / a[i * n + i]
        }
        // Backward: Lᵀ x = y (column access of L).
        var i = n - 1
        while i >= 0 {
            var s = b[i]
            for k in (i + 1)..<Swift.max(i + 1, n) { s -= a[k * n + i] * b[k] }
            b[i] = s / a[i * n + i]
            i -= 1
        }
    }
}

extension MatrixKernels {
    /// `y = scale · (M x)` for a symmetric `n x n` row-major `M`, computed as a sum of rows so the
    /// accumulators stay in registers (no horizontal reductions).
    /// - Complexity: O(n²).
    @inlinable @inline(__always)
    package static func symmetricMultiply(
        _ m: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        n: Int, scale: Float
    ) {
        if n == 64 {
            symmetricMultiply64(m, x, into: y, scale: scale)
            return
        }
        for i in 0..<n { y[i] = 0 }
        for c in 0..<n { axpyRow(scale * x[c], m + c * n, y, n) }
    }

    @inlinable @inline(__always)
    static func axpyRow(_ a: Float, _ row: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        VectorKernels.axpy(a, row, y, count: n)
    }

    /// The common 64-wide case with eight SIMD8 accumulators held in registers.
    @inlinable @inline(__always)
    static func symmetricMultiply64(
        _ m: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, scale: Float
    ) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
        let raw = UnsafeRawPointer(m)
        for c in 0..<64 {
            let s = SIMD8<Float>(repeating: x[c])
            let row = raw + c &* 256
            a0.addProduct(s, row.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self))
            a1.addProduct(s, row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
            a2.addProduct(s, row.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
            a3.addProduct(s, row.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
            a4.addProduct(s, row.loadUnaligned(fromByteOffset: 128, as: SIMD8<Float>.self))
            a5.addProduct(s, row.loadUnaligned(fromByteOffset: 160, as: SIMD8<Float>.self))
            a6.addProduct(s, row.loadUnaligned(fromByteOffset: 192, as: SIMD8<Float>.self))
            a7.addProduct(s, row.loadUnaligned(fromByteOffset: 224, as: SIMD8<Float>.self))
        }
        let sv = SIMD8<Float>(repeating: scale)
        let out = UnsafeMutableRawPointer(y)
        out.storeBytes(of: a0 * sv, toByteOffset: 0, as: SIMD8<Float>.self)
        out.storeBytes(of: a1 * sv, toByteOffset: 32, as: SIMD8<Float>.self)
        out.storeBytes(of: a2 * sv, toByteOffset: 64, as: SIMD8<Float>.self)
        out.storeBytes(of: a3 * sv, toByteOffset: 96, as: SIMD8<Float>.self)
        out.storeBytes(of: a4 * sv, toByteOffset: 128, as: SIMD8<Float>.self)
        out.storeBytes(of: a5 * sv, toByteOffset: 160, as: SIMD8<Float>.self)
        out.storeBytes(of: a6 * sv, toByteOffset: 192, as: SIMD8<Float>.self)
        out.storeBytes(of: a7 * sv, toByteOffset: 224, as: SIMD8<Float>.self)
    }
}
