import Testing

@testable import AttuneML

struct StandardizerTests {
    @Test func transformedColumnsHaveZeroMeanAndUnitPopulationDeviation() throws {
        let m = ClusteringFixtures.matrix([[1, 10, 5], [2, 20, 5], [3, 30, 5], [6, 60, 5]])
        let s = try Standardizer.fit(points: m)
        #expect(s.means == [3, 30, 5])
        // Population deviation of 1, 2, 3, 6 around 3: sqrt((4 + 1 + 0 + 9) / 4).
        #expect(abs(s.standardDeviations[0] - (14.0 / 4.0).squareRoot()) < 1e-6)
        let z = try s.transform(m)
        for j in 0..<2 {
            let column = (0..<4).map { Double(z[$0, j]) }
            let mean = column.reduce(0, +) / 4
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            #expect(abs(mean) < 1e-6)
            #expect(abs(variance - 1) < 1e-5)
        }
    }

    @Test func constantColumnBecomesZero() throws {
        let m = ClusteringFixtures.matrix([[1, 7], [2, 7], [3, 7]])
        let z = try Standardizer.fit(points: m).transform(m)
        #expect((0..<3).allSatisfy { z[$0, 1] == 0 })
    }

    @Test func inverseTransformRestoresTheData() throws {
        let data = ClusteringFixtures.blobs(blobs: 2, perBlob: 20, dimension: 3)
        let s = try Standardizer.fit(points: data.points)
        let back = try s.inverseTransform(s.transform(data.points))
        for i in data.points.values.indices { #expect(abs(back.values[i] - data.points.values[i]) < 1e-4) }
    }

    @Test func badInputsAreRejected() throws {
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try Standardizer.fit(points: DenseMatrix(rowCount: 0, columnCount: 2))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try Standardizer.fit(points: ClusteringFixtures.matrix([[1, .nan]]))
        }
        let s = try Standardizer.fit(points: ClusteringFixtures.matrix([[1, 2], [3, 4]]))
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try s.transform(ClusteringFixtures.matrix([[1, 2, 3]]))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try Standardizer(means: [0], standardDeviations: [-1])
        }
    }
}
