import Testing

@testable import AttuneML

struct KMeansClusterCountSelectionTests {
    @Test(arguments: [3, 4, 6])
    func findsThePlantedClusterCount(planted: Int) throws {
        let data = ClusteringFixtures.blobs(blobs: planted, perBlob: 80, dimension: 3, separation: 12)
        let selection = try KMeans.fitSelectingClusterCount(
            points: data.points, clusterCounts: 2...8, configuration: .init(restarts: 3, seed: 4), sampleSize: 300,
            threads: 2)
        #expect(selection.best.model.clusterCount == planted)
        #expect(selection.scores.map(\.clusterCount) == Array(2...8))
        #expect(ClusteringFixtures.samePartition(selection.best.labels, data.truth))
    }

    @Test func sameSeedGivesSameSelection() throws {
        let data = ClusteringFixtures.blobs(blobs: 3, perBlob: 200, dimension: 2, separation: 4)
        let a = try KMeans.fitSelectingClusterCount(points: data.points, clusterCounts: 2...5, sampleSize: 150)
        let b = try KMeans.fitSelectingClusterCount(
            points: data.points, clusterCounts: 2...5, sampleSize: 150, threads: 2)
        #expect(a == b)
    }

    @Test func rangeStartingBelowTwoIsRejected() {
        let data = ClusteringFixtures.blobs(blobs: 2, perBlob: 10, dimension: 2)
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try KMeans.fitSelectingClusterCount(points: data.points, clusterCounts: 1...3)
        }
    }

    @Test func rangeAboveThePointCountIsRejected() {
        let data = ClusteringFixtures.blobs(blobs: 2, perBlob: 2, dimension: 2)
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try KMeans.fitSelectingClusterCount(points: data.points, clusterCounts: 2...6)
        }
    }
}
