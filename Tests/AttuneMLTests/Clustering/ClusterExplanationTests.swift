import Testing

@testable import AttuneML

struct ClusterExplanationTests {
    @Test func explainsAKMeansSegmentOfPlantedBlobs() throws {
        let data = ClusteringFixtures.blobs(blobs: 3, perBlob: 100, dimension: 2)
        let fit = try KMeans.fit(points: data.points, configuration: .init(clusterCount: 3, seed: 1))
        for c in 0..<3 {
            let e = try ClusterExplanation.explain(
                cluster: c, labels: fit.labels, points: data.points, featureNames: ["a", "b"])
            #expect(e.fidelity == 1.0)
            #expect(!e.rules.isEmpty)
            #expect(try e.tree.predict(points: data.points) == fit.labels.map { Int($0) == c })
        }
    }

    @Test func clusterWithoutMembersIsRejected() {
        let m = ClusteringFixtures.matrix([[1], [2]])
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ClusterExplanation.explain(cluster: 5, labels: [0, 1], points: m, featureNames: ["a"])
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try ClusterExplanation.explain(cluster: 0, labels: [0, 1], points: m, featureNames: ["a", "b"])
        }
    }
}
