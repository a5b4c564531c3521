import Testing
@testable import AttuneML

struct DenseMatrixTests {
    static func naiveProduct(_ a: DenseMatrix, _ b: DenseMatrix) -> [Float] {
        var out: [Float] = []
        for i in 0..<a.rowCount {
            for j in 0..<b.rowCount {
                out.append(VectorKernels.dotScalar(a.row(i), b.row(j)))
            }
        }
        return out
    }

    @Test(arguments: [(1, 1, 1), (5, 9, 7), (33, 70, 64), (2, 3, 17)])
    func productWithTransposeMatchesNaiveLoops(shape: (Int, Int, Int)) throws {
        let (m, n, f) = shape
        let a = try DenseMatrix(rowCount: m, columnCount: f, values: Fixtures.randomFloats(m * f, seed: 1))
        let b = try DenseMatrix(rowCount: n, columnCount: f, values: Fixtures.randomFloats(n * f, seed: 2))
        let c = try a.multipliedByTranspose(of: b)
        let expected = Self.naiveProduct(a, b)
        for k in expected.indices { #expect(abs(c.values[k] - expected[k]) < 1e-4) }
    }

    @Test func productRejectsDifferentWidths() {
        let a = DenseMatrix(rowCount: 2, columnCount: 3)
        let b = DenseMatrix(rowCount: 2, columnCount: 4)
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try a.multipliedByTranspose(of: b) }
    }

    @Test func rejectsValueCountThatDoesNotMatchShape() {
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try DenseMatrix(rowCount: 2, columnCount: 2, values: [1]) }
    }

    @Test(arguments: [3, 64])
    func gramMatchesTransposeProductPlusDiagonal(f: Int) throws {
        let y = try DenseMatrix(rowCount: 20, columnCount: f, values: Fixtures.randomFloats(20 * f, seed: 3))
        let g = y.gram(addingToDiagonal: 0.5)
        for i in 0..<f {
            for j in 0..<f {
                var s: Float = i == j ? 0.5 : 0
                for r in 0..<20 { s += y[r, i] * y[r, j] }
                #expect(abs(g[i, j] - s) < 1e-4)
            }
        }
    }

    @Test(arguments: [1, 5, 64])
    func choleskySolvesSymmetricPositiveDefiniteSystems(n: Int) throws {
        let y = try DenseMatrix(rowCount: n + 3, columnCount: n, values: Fixtures.randomFloats((n + 3) * n, seed: 4))
        let a = y.gram(addingToDiagonal: 0.1)
        let xTrue = Fixtures.randomFloats(n, seed: 5)
        var b = [Float](repeating: 0, count: n)
        for i in 0..<n { b[i] = VectorKernels.dotScalar(a.row(i), xTrue) }
        var factor = a.values
        try factor.withUnsafeMutableBufferPointer { fp in
            try b.withUnsafeMutableBufferPointer { bp in try MatrixKernels.choleskySolve(fp.baseAddress!, bp.baseAddress!, n: n) }
        }
        for i in 0..<n { #expect(abs(b[i] - xTrue[i]) < 2e-2) }
    }

    @Test func choleskyRejectsIndefiniteMatrices() {
        var a: [Float] = [1, 2, 2, 1]
        var b: [Float] = [1, 1]
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try a.withUnsafeMutableBufferPointer { ap in
                try b.withUnsafeMutableBufferPointer { bp in try MatrixKernels.choleskySolve(ap.baseAddress!, bp.baseAddress!, n: 2) }
            }
        }
    }

    @Test(arguments: [5, 64])
    func symmetricMultiplyMatchesRowDots(n: Int) throws {
        let y = try DenseMatrix(rowCount: 10, columnCount: n, values: Fixtures.randomFloats(10 * n, seed: 6))
        let g = y.gram()
        let x = Fixtures.randomFloats(n, seed: 7)
        var out = [Float](repeating: 0, count: n)
        g.values.withUnsafeBufferPointer { gp in
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    MatrixKernels.symmetricMultiply(gp.baseAddress!, xp.baseAddress!, into: op.baseAddress!, n: n, scale: -2)
                }
            }
        }
        for i in 0..<n { #expect(abs(out[i] + 2 * VectorKernels.dotScalar(g.row(i), x)) < 1e-3) }
    }
}
