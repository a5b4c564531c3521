import Testing

@testable import AttuneML

struct KMeansTests {
    @Test(arguments: [(3, 2), (5, 4), (12, 16)])
    func recoversPlantedWellSeparatedBlobs(shape: (Int, Int)) throws {
        let (k, d) = shape
        let data = ClusteringFixtures.blobs(blobs: k, perBlob: 60, dimension: d)
        let fit = try KMeans.fit(
            points: data.points, configuration: .init(clusterCount: k, restarts: 3, seed: 7), threads: 2)
        #expect(ClusteringFixtures.samePartition(fit.labels, data.truth))
        // Unit noise in d dimensions: the inertia is about n · d.
        #expect(fit.model.inertia < 1.3 * Double(data.points.rowCount * d))
    }

    @Test func sameSeedGivesSameModelForAnyThreadCount() throws {
        let data = ClusteringFixtures.blobs(blobs: 4, perBlob: 3000, dimension: 5, separation: 3)
        let config = KMeans.Configuration(clusterCount: 4, restarts: 2, seed: 11)
        let one = try KMeans.fit(points: data.points, configuration: config, threads: 1)
        let two = try KMeans.fit(points: data.points, configuration: config, threads: 2)
        let again = try KMeans.fit(points: data.points, configuration: config, threads: 2)
        #expect(one == two)
        #expect(two == again)
    }

    @Test func inertiaIsTheSumOfSquaredDistancesToTheCentroids() throws {
        let data = ClusteringFixtures.blobs(blobs: 3, perBlob: 50, dimension: 3, separation: 2)
        let fit = try KMeans.fit(points: data.points, configuration: .init(clusterCount: 3, seed: 1))
        var expected = 0.0
        for i in 0..<data.points.rowCount {
            let c = fit.model.centroids.row(Int(fit.labels[i]))
            expected += Double(VectorKernels.squaredDistanceScalar(data.points.row(i), c))
        }
        #expect(abs(fit.model.inertia - expected) <= 1e-4 * expected)
    }

    @Test func predictAgreesWithTheTrainingLabels() throws {
        let data = ClusteringFixtures.blobs(blobs: 4, perBlob: 40, dimension: 3)
        let fit = try KMeans.fit(points: data.points, configuration: .init(clusterCount: 4, seed: 3))
        #expect(try fit.model.predict(points: data.points, threads: 2) == fit.labels)
        #expect(try fit.model.predict(point: data.points.row(5)) == Int(fit.labels[5]))
    }

    @Test(arguments: [1, 3, 8, 9, 17, 40])
    func panelNearestMatchesTheScalarOracle(k: Int) {
        let d = 7
        let centroids = Fixtures.randomFloats(k * d, seed: UInt64(k))
        let panel = CentroidPanel(centroids: centroids, count: k, dimension: d)
        for p in 0..<50 {
            let point = Fixtures.randomFloats(d, seed: 1000 + UInt64(p))
            let fast = point.withUnsafeBufferPointer { x in
                panel.withStorage { w, n in
                    CentroidPanel.nearest(
                        x.baseAddress!, dimension: d, blockCount: panel.blockCount, weights: w, norms: n)
                }
            }
            #expect(fast.index == CentroidPanel.nearestScalar(point, centroids: centroids, count: k))
        }
    }

    @Test(arguments: [1, 7, 8, 16, 23, 64])
    func squaredDistanceMatchesTheScalarOracle(count: Int) {
        let a = Fixtures.randomFloats(count, seed: 1)
        let b = Fixtures.randomFloats(count, seed: 2)
        let fast = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                VectorKernels.squaredDistance(pa.baseAddress!, pb.baseAddress!, count: count)
            }
        }
        #expect(abs(fast - VectorKernels.squaredDistanceScalar(a, b)) < 1e-4)
    }

    @Test func singleClusterIsTheMean() throws {
        let m = ClusteringFixtures.matrix([[0, 0], [2, 0], [0, 4], [2, 4]])
        let fit = try KMeans.fit(points: m, configuration: .init(clusterCount: 1))
        #expect(fit.model.centroids.values == [1, 2])
        #expect(abs(fit.model.inertia - 20) < 1e-9)
    }

    @Test func emptyInputIsRejected() {
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try KMeans.fit(points: DenseMatrix(rowCount: 0, columnCount: 3), configuration: .init(clusterCount: 2))
        }
    }

    @Test func fewerPointsThanClustersIsRejected() {
        let m = ClusteringFixtures.matrix([[0, 0], [1, 1]])
        let error = #expect(throws: AttuneMLError.self) {
            try KMeans.fit(points: m, configuration: .init(clusterCount: 3))
        }
        #expect(error?.codeName == "invalidArgument")
        #expect(error?.message == "2 points for 3 clusters")
    }

    @Test func identicalPointsAreRejectedForSeveralClusters() throws {
        let m = ClusteringFixtures.matrix(Array(repeating: [3, 3, 3], count: 20))
        let error = #expect(throws: AttuneMLError.self) {
            try KMeans.fit(points: m, configuration: .init(clusterCount: 2))
        }
        #expect(error?.codeName == "invalidArgument")
        #expect(error?.message.contains("fewer distinct points") == true)
        // One cluster of identical points is fine.
        let one = try KMeans.fit(points: m, configuration: .init(clusterCount: 1))
        #expect(one.model.inertia == 0)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteValuesAreRejected(bad: Float) {
        var rows: [[Float]] = (0..<10).map { [Float($0), 1] }
        rows[4][1] = bad
        let error = #expect(throws: AttuneMLError.self) {
            try KMeans.fit(points: ClusteringFixtures.matrix(rows), configuration: .init(clusterCount: 2))
        }
        #expect(error?.codeName == "invalidArgument")
        #expect(error?.message == "non-finite value in row 4 of points")
    }

    @Test(arguments: [
        KMeans.Configuration(clusterCount: 0), KMeans.Configuration(restarts: 0),
        KMeans.Configuration(maxIterations: 0), KMeans.Configuration(tolerance: -1),
        KMeans.Configuration(tolerance: .nan),
    ])
    func badConfigurationIsRejected(config: KMeans.Configuration) {
        let data = ClusteringFixtures.blobs(blobs: 2, perBlob: 10, dimension: 2)
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try KMeans.fit(points: data.points, configuration: config)
        }
    }

    @Test func predictRejectsAnotherWidth() throws {
        let data = ClusteringFixtures.blobs(blobs: 2, perBlob: 10, dimension: 2)
        let fit = try KMeans.fit(points: data.points, configuration: .init(clusterCount: 2))
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try fit.model.predict(point: [1, 2, 3]) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try fit.model.predict(point: [1, .nan]) }
    }
}

extension KMeansTests {
    @Test func serializationRoundTrips() throws {
        let data = ClusteringFixtures.blobs(blobs: 3, perBlob: 20, dimension: 4)
        let fit = try KMeans.fit(points: data.points, configuration: .init(clusterCount: 3, seed: 8))
        let back = try KMeans(serialized: fit.model.serialized())
        #expect(back == fit.model)
        #expect(try back.predict(points: data.points) == fit.labels)
        var corrupt = fit.model.serialized()
        corrupt.removeLast()
        #expect(throws: AttuneMLError.corruptData("")) { try KMeans(serialized: corrupt) }
    }
}

extension KMeansTests {
    @Test func emptyClusterTakesAFarPoint() throws {
        // Two blobs share the first seed; the third seed is far from everything and comes out
        // empty, so it must be moved onto a data point and end up owning a blob.
        let data = ClusteringFixtures.blobs(blobs: 3, perBlob: 30, dimension: 2)
        var workspace = LloydWorkspace(points: data.points, clusterCount: 3, threads: 1)
        let initial: [Float] = [10, 10, 20, 0, 1000, 1000]
        let run = workspace.lloyd(points: data.points, initial: initial, maxIterations: 100, tolerance: 0)
        #expect(Set(workspace.labels).count == 3)
        #expect(ClusteringFixtures.samePartition(workspace.labels, data.truth))
        #expect(run.centroids.allSatisfy { abs($0) < 100 })
    }
}
