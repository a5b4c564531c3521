@testable import AttuneML

/// Data with a known right answer for the clustering tests.
enum ClusteringFixtures {
    /// `count` approximately standard normal values: the Irwin–Hall sum of twelve uniforms minus
    /// six (mean 0, variance 1, tails cut at ±6), which needs no transcendental functions.
    static func gaussians(_ count: Int, generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in
            var s: Float = 0
            for _ in 0..<12 { s += generator.nextUnitFloat() }
            return s - 6
        }
    }

    /// `blobs` well-separated Gaussian blobs of `perBlob` points each in `dimension` features:
    /// centres on the axes `separation` apart, unit noise, points interleaved by blob.
    static func blobs(
        blobs: Int, perBlob: Int, dimension: Int, separation: Float = 20, seed: UInt64 = 1
    ) -> (points: DenseMatrix, truth: [Int32]) {
        var g = SeededGenerator(seed: seed)
        let n = blobs * perBlob
        let noise = gaussians(n * dimension, generator: &g)
        var values = [Float](repeating: 0, count: n * dimension)
        var truth = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let b = i % blobs
            truth[i] = Int32(b)
            for j in 0..<dimension {
                // Blob b sits at separation · (b+1) on axis b mod d, and further out for b >= d.
                let centre: Float = (j == b % dimension) ? separation * Float(b / dimension + 1) : 0
                values[i * dimension + j] = centre + noise[i * dimension + j]
            }
        }
        return (try! DenseMatrix(rowCount: n, columnCount: dimension, values: values), truth)
    }

    /// Whether two labelings split the points the same way, whatever the cluster numbers.
    static func samePartition(_ a: [Int32], _ b: [Int32]) -> Bool {
        guard a.count == b.count else { return false }
        var forward: [Int32: Int32] = [:]
        var backward: [Int32: Int32] = [:]
        for i in a.indices {
            if let m = forward[a[i]], m != b[i] { return false }
            if let m = backward[b[i]], m != a[i] { return false }
            forward[a[i]] = b[i]
            backward[b[i]] = a[i]
        }
        return true
    }

    static func matrix(_ rows: [[Float]]) -> DenseMatrix {
        try! DenseMatrix(rowCount: rows.count, columnCount: rows.first?.count ?? 0, values: rows.flatMap { $0 })
    }
}
