import Testing

@testable import AttuneML

struct WardClusteringTests {
    /// Greedy Ward by brute force over all pairs, in `Double`: the sorted merge heights.
    static func bruteForceHeights(_ points: DenseMatrix) -> [Double] {
        let d = points.columnCount
        var clusters: [(centroid: [Double], size: Int)] = (0..<points.rowCount).map { i in
            (points.row(i).map(Double.init), 1)
        }
        var heights: [Double] = []
        while clusters.count > 1 {
            var best = (0, 1, Double.infinity)
            for a in 0..<clusters.count {
                for b in (a + 1)..<clusters.count {
                    var sq = 0.0
                    for j in 0..<d {
                        let diff = clusters[a].centroid[j] - clusters[b].centroid[j]
                        sq += diff * diff
                    }
                    let na = Double(clusters[a].size)
                    let nb = Double(clusters[b].size)
                    let delta = na * nb / (na + nb) * sq
                    if delta < best.2 { best = (a, b, delta) }
                }
            }
            let (a, b, delta) = best
            let na = Double(clusters[a].size)
            let nb = Double(clusters[b].size)
            let merged = (0..<d).map { (na * clusters[a].centroid[$0] + nb * clusters[b].centroid[$0]) / (na + nb) }
            clusters[a] = (merged, clusters[a].size + clusters[b].size)
            clusters.remove(at: b)
            heights.append((2 * delta).squareRoot())
        }
        return heights.sorted()
    }

    @Test func tinyLineMergesAsComputedByHand() throws {
        // Pairs {0,1} and {10,11} merge at height 1; then Δ = 2·2/4 · 10² = 100 → √200;
        // last, {0,1,10,11} (centroid 5.5) with {30}: Δ = 4·1/5 · 24.5² = 480.2 → √960.4.
        let m = ClusteringFixtures.matrix([[0], [1], [10], [11], [30]])
        let ward = try WardClustering.fit(points: m)
        #expect(ward.merges.count == 4)
        #expect(ward.merges[0] == .init(left: 0, right: 1, height: 1, size: 2))
        #expect(ward.merges[1] == .init(left: 2, right: 3, height: 1, size: 2))
        #expect(ward.merges[2].left == 5 && ward.merges[2].right == 6 && ward.merges[2].size == 4)
        #expect(abs(ward.merges[2].height - 200.0.squareRoot()) < 1e-5)
        #expect(ward.merges[3].left == 4 && ward.merges[3].right == 7 && ward.merges[3].size == 5)
        #expect(abs(ward.merges[3].height - 960.4.squareRoot()) < 1e-4)
        #expect(try ward.labels(clusterCount: 1) == [0, 0, 0, 0, 0])
        #expect(try ward.labels(clusterCount: 2) == [0, 0, 0, 0, 1])
        #expect(try ward.labels(clusterCount: 3) == [0, 0, 1, 1, 2])
        #expect(try ward.labels(clusterCount: 5) == [0, 1, 2, 3, 4])
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func heightsMatchBruteForceWard(seed: UInt64) throws {
        let values = Fixtures.randomFloats(60 * 3, seed: seed)
        let m = try DenseMatrix(rowCount: 60, columnCount: 3, values: values)
        let heights = try WardClustering.fit(points: m).merges.map(\.height)
        let expected = Self.bruteForceHeights(m)
        #expect(heights.count == expected.count)
        for (h, e) in zip(heights, expected) { #expect(abs(h - e) <= 1e-4 * Swift.max(1, e)) }
    }

    @Test func cutRecoversPlantedBlobsWithThreads() throws {
        let data = ClusteringFixtures.blobs(blobs: 5, perBlob: 40, dimension: 4)
        let one = try WardClustering.fit(points: data.points)
        let two = try WardClustering.fit(points: data.points, threads: 2)
        // A low threshold sends every scan through the parallel path.
        let split = try WardClustering.fit(points: data.points, threads: 2, parallelThreshold: 8)
        #expect(one == two)
        #expect(one == split)
        #expect(ClusteringFixtures.samePartition(try one.labels(clusterCount: 5), data.truth))
    }

    @Test func tiesStillGiveAFullDendrogram() throws {
        // Four corners of a square: every side ties.
        let m = ClusteringFixtures.matrix([[0, 0], [0, 1], [1, 0], [1, 1], [0, 0]])
        let ward = try WardClustering.fit(points: m)
        #expect(ward.merges.count == 4)
        #expect(ward.merges.last!.size == 5)
        #expect(ward.merges[0].height == 0)
    }

    @Test func badInputsAreRejected() throws {
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try WardClustering.fit(points: DenseMatrix(rowCount: 0, columnCount: 2))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try WardClustering.fit(points: ClusteringFixtures.matrix([[0, 1], [.nan, 2]]))
        }
        let ward = try WardClustering.fit(points: ClusteringFixtures.matrix([[0], [1], [5]]))
        #expect(throws: AttuneMLError.invalidArgument("")) { try ward.labels(clusterCount: 0) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try ward.labels(clusterCount: 4) }
    }

    @Test func onePointHasNoMerge() throws {
        let ward = try WardClustering.fit(points: ClusteringFixtures.matrix([[3, 4]]))
        #expect(ward.merges.isEmpty)
        #expect(try ward.labels(clusterCount: 1) == [0])
    }
}
