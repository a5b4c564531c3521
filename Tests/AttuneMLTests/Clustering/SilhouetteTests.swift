import Testing

@testable import AttuneML

struct SilhouetteTests {
    @Test func matchesAHandComputedValue() throws {
        // a = 1 for every point; b = 10.5, 9.5, 9.5, 10.5: s = 9.5/10.5, 8.5/9.5, 8.5/9.5, 9.5/10.5.
        let m = ClusteringFixtures.matrix([[0], [1], [10], [11]])
        let s = try Silhouette.score(points: m, labels: [0, 0, 1, 1], clusterCount: 2)
        let expected = (9.5 / 10.5 + 8.5 / 9.5) / 2
        #expect(abs(s - expected) < 1e-6)
    }

    @Test func singletonClustersScoreZero() throws {
        // The singleton contributes 0; the pair's points have a = 1, b = 9 and 10.
        let m = ClusteringFixtures.matrix([[0], [1], [10]])
        let s = try Silhouette.score(points: m, labels: [0, 0, 1], clusterCount: 2)
        #expect(abs(s - (8.0 / 9.0 + 9.0 / 10.0) / 3) < 1e-6)
    }

    @Test func sampleIsSeededAndThreadIndependent() throws {
        let data = ClusteringFixtures.blobs(blobs: 3, perBlob: 500, dimension: 4, separation: 3)
        let a = try Silhouette.score(points: data.points, labels: data.truth, clusterCount: 3, sampleSize: 200, seed: 1)
        let b = try Silhouette.score(
            points: data.points, labels: data.truth, clusterCount: 3, sampleSize: 200, seed: 1, threads: 2)
        let c = try Silhouette.score(points: data.points, labels: data.truth, clusterCount: 3, sampleSize: 200, seed: 2)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func oneClusterIsRejected() {
        let m = ClusteringFixtures.matrix([[0], [1], [2]])
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try Silhouette.score(points: m, labels: [0, 0, 0], clusterCount: 1)
        }
    }

    @Test func labelCountMustMatch() {
        let m = ClusteringFixtures.matrix([[0], [1], [2]])
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try Silhouette.score(points: m, labels: [0, 1], clusterCount: 2)
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try Silhouette.score(points: m, labels: [0, 1, 5], clusterCount: 2)
        }
    }
}
