import Testing
@testable import AttuneML

struct VectorKernelsTests {
    @Test(arguments: [0, 1, 7, 8, 15, 16, 17, 64, 100])
    func dotMatchesScalarOracle(count: Int) {
        let a = Fixtures.randomFloats(count, seed: 1)
        let b = Fixtures.randomFloats(count, seed: 2)
        #expect(abs(VectorKernels.dot(a, b) - VectorKernels.dotScalar(a, b)) <= 1e-5 * Float(max(1, count)))
    }

    @Test(arguments: [0, 3, 8, 13, 64])
    func axpyMatchesScalarOracle(count: Int) {
        let x = Fixtures.randomFloats(count, seed: 3)
        var fast = Fixtures.randomFloats(count, seed: 4)
        var slow = fast
        VectorKernels.axpy(0.75, x, &fast)
        VectorKernels.axpyScalar(0.75, x, &slow)
        for i in 0..<count { #expect(abs(fast[i] - slow[i]) <= 1e-6) }
    }

    @Test(arguments: [1, 9, 64])
    func normMatchesScalarOracle(count: Int) {
        let a = Fixtures.randomFloats(count, seed: 5)
        #expect(abs(VectorKernels.norm(a) - VectorKernels.normScalar(a)) <= 1e-5)
    }

    @Test func xpbyComputesDirectionUpdate() {
        let x: [Float] = Array(repeating: 1, count: 11)
        var y: [Float] = (0..<11).map(Float.init)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in VectorKernels.xpby(xp.baseAddress!, 2, yp.baseAddress!, count: 11) }
        }
        #expect(y == (0..<11).map { 1 + 2 * Float($0) })
    }

    @Test func dotOfKnownVectors() {
        #expect(VectorKernels.dot([1, 2, 3], [4, 5, 6]) == 32)
        #expect(VectorKernels.norm([3, 4]) == 5)
    }

    @Test(arguments: [1, 7, 8, 9, 16, 63, 64, 65])
    func dot4MatchesFourScalarDots(_ count: Int) {
        let stride = count + 3
        let x = Fixtures.randomFloats(count, seed: 11)
        let rows = Fixtures.randomFloats(4 * stride, seed: 12)
        let fast = x.withUnsafeBufferPointer { xp in
            rows.withUnsafeBufferPointer { rp in
                VectorKernels.dot4(xp.baseAddress!, rows: rp.baseAddress!, stride: stride, count: count)
            }
        }
        for r in 0..<4 {
            let row = Array(rows[(r * stride)..<(r * stride + count)])
            #expect(abs(fast[r] - VectorKernels.dotScalar(x, row)) <= 1e-5 * Float(max(1, count)))
        }
    }
}
