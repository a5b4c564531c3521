import Testing

@testable import AttuneML

struct KMeansSeedingTests {
    static func seeds(_ points: DenseMatrix, k: Int, seed: UInt64, threads: Int = 1) throws -> [Float] {
        var workspace = LloydWorkspace(points: points, clusterCount: k, threads: threads)
        var g = SeededGenerator(seed: seed)
        return try KMeans.seedPlusPlus(points: points, workspace: &workspace, generator: &g)
    }

    @Test func sameSeedGivesSameSeedsForAnyThreadCount() throws {
        let data = ClusteringFixtures.blobs(blobs: 6, perBlob: 2000, dimension: 4, separation: 2)
        let a = try Self.seeds(data.points, k: 6, seed: 5, threads: 1)
        let b = try Self.seeds(data.points, k: 6, seed: 5, threads: 2)
        #expect(a == b)
        #expect(try Self.seeds(data.points, k: 6, seed: 6) != a)
    }

    @Test func seedsAreDistinctDataPoints() throws {
        let data = ClusteringFixtures.blobs(blobs: 3, perBlob: 30, dimension: 3)
        let seeds = try Self.seeds(data.points, k: 5, seed: 2)
        let rows = Set((0..<data.points.rowCount).map { data.points.row($0) })
        let chosen = (0..<5).map { Array(seeds[($0 * 3)..<($0 * 3 + 3)]) }
        #expect(chosen.allSatisfy(rows.contains))
        #expect(Set(chosen).count == 5)
    }

    @Test func greedySeedingPutsOneSeedInEachSeparatedBlob() throws {
        let data = ClusteringFixtures.blobs(blobs: 8, perBlob: 50, dimension: 4, separation: 30)
        for seed in UInt64(0)..<5 {
            let seeds = try Self.seeds(data.points, k: 8, seed: seed)
            // Label each seed by the planted blob of the data point it copies.
            var blobs = Set<Int32>()
            for s in 0..<8 {
                let row = Array(seeds[(s * 4)..<(s * 4 + 4)])
                let i = (0..<data.points.rowCount).first { data.points.row($0) == row }!
                blobs.insert(data.truth[i])
            }
            #expect(blobs.count == 8)
        }
    }
}
