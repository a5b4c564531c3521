import Testing

@testable import AttuneML

struct StableClusterIDsTests {
    /// The data with rows shuffled and a little noise added; returns it with the original index of each row.
    static func permutedAndPerturbed(_ m: DenseMatrix, seed: UInt64) -> (DenseMatrix, [Int]) {
        var g = SeededGenerator(seed: seed)
        var order = Array(0..<m.rowCount)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, g.nextIndex(below: i + 1)) }
        var values: [Float] = []
        for i in order { values += m.row(i).map { $0 + (g.nextUnitFloat() - 0.5) * 0.2 } }
        return (try! DenseMatrix(rowCount: m.rowCount, columnCount: m.columnCount, values: values), order)
    }

    @Test func idsFollowTheClustersAfterRetrainingOnPermutedPerturbedData() throws {
        let data = ClusteringFixtures.blobs(blobs: 6, perBlob: 50, dimension: 3)
        let old = try KMeans.fit(points: data.points, configuration: .init(clusterCount: 6, seed: 1))
        let (moved, order) = Self.permutedAndPerturbed(data.points, seed: 9)
        let new = try KMeans.fit(points: moved, configuration: .init(clusterCount: 6, seed: 2))
        let ids = try StableClusterIDs.assign(
            previousCentroids: old.model.centroids, newCentroids: new.model.centroids)
        #expect(Set(ids) == Set(0..<6))
        let stable = try StableClusterIDs.relabel(new.labels, ids: ids)
        // Every point keeps its old id.
        for (r, i) in order.enumerated() { #expect(stable[r] == old.labels[i]) }
    }

    @Test func customIDsAreCarriedAndGrowthGetsFreshIDs() throws {
        let previous = ClusteringFixtures.matrix([[0, 0], [10, 0]])
        let next = ClusteringFixtures.matrix([[10.5, 0], [0, 20], [0.2, 0.1]])
        let ids = try StableClusterIDs.assign(previousCentroids: previous, previousIDs: [7, 3], newCentroids: next)
        #expect(ids == [3, 8, 7])
    }

    @Test func shrinkingRetiresTheFarthestID() throws {
        let previous = ClusteringFixtures.matrix([[0, 0], [10, 0], [50, 50]])
        let next = ClusteringFixtures.matrix([[9, 1], [1, 0]])
        #expect(try StableClusterIDs.assign(previousCentroids: previous, newCentroids: next) == [1, 0])
    }

    @Test func badInputsAreRejected() {
        let a = ClusteringFixtures.matrix([[0, 0], [1, 1]])
        let b = ClusteringFixtures.matrix([[0, 0, 0]])
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try StableClusterIDs.assign(previousCentroids: a, newCentroids: b)
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try StableClusterIDs.assign(previousCentroids: a, previousIDs: [1, 1], newCentroids: a)
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try StableClusterIDs.assign(previousCentroids: a, previousIDs: [1], newCentroids: a)
        }
        #expect(throws: AttuneMLError.invalidArgument("")) { try StableClusterIDs.relabel([0, 2], ids: [5, 6]) }
    }
}
