import AttuneML
import Foundation

/// Seeded vector data for the nearest-neighbour tests.
enum NeighborFixtures {
    /// `count` row-major vectors of `dimension` around `clusters` Gaussian centres (as the
    /// benchmark data, smaller): clustered data is where a badly linked graph loses recall.
    static func clustered(count: Int, dimension: Int, clusters: Int = 20, noise: Float = 0.35, seed: UInt64) -> [Float]
    {
        var g = SeededGenerator(seed: seed)
        let centres = (0..<(clusters * dimension)).map { _ in gaussian(&g) }
        var out = [Float](repeating: 0, count: count * dimension)
        for i in 0..<count {
            let c = g.nextIndex(below: clusters)
            for j in 0..<dimension { out[i * dimension + j] = centres[c * dimension + j] + noise * gaussian(&g) }
        }
        return out
    }

    /// A standard normal draw (Box-Muller).
    static func gaussian(_ g: inout SeededGenerator) -> Float {
        let u1 = max(g.nextUnitFloat(), 1e-7)
        let u2 = g.nextUnitFloat()
        return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
    }

    /// Row `i` of a row-major array.
    static func row(_ values: [Float], _ i: Int, dimension: Int) -> [Float] {
        Array(values[(i * dimension)..<((i + 1) * dimension)])
    }

    /// Mean overlap of the approximate and exact top-k label sets over the queries.
    static func recall(
        _ index: some VectorIndex, oracle: BruteForceIndex, queries: [Float], dimension: Int, k: Int
    ) throws -> Double {
        let n = queries.count / dimension
        var overlap = 0
        for q in 0..<n {
            let query = row(queries, q, dimension: dimension)
            let exact = Set(try oracle.search(query, k: k).map(\.label))
            overlap += try index.search(query, k: k).filter { exact.contains($0.label) }.count
        }
        return Double(overlap) / Double(n * k)
    }
}
