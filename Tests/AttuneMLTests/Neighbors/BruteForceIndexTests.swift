import AttuneML
import Testing

struct BruteForceIndexTests {
    /// Three 2-d vectors with different norms, so the three metrics rank them differently.
    static let vectors: [Float] = [
        1, 0,  // label 0
        3, 3,  // label 1: long, 45 degrees
        0, 1,  // label 2
    ]

    @Test(arguments: [
        (VectorMetric.innerProduct, [Int32(1), 0, 2]),
        (VectorMetric.cosine, [Int32(0), 1, 2]),
        (VectorMetric.euclidean, [Int32(0), 2, 1]),
    ])
    func ranksByMetric(metric: VectorMetric, expected: [Int32]) throws {
        let index = try BruteForceIndex(vectors: Self.vectors, dimension: 2, metric: metric)
        let hits = try index.search([1, 0.1], k: 3)
        #expect(hits.map(\.label) == expected)
    }

    @Test func scoresFollowTheMetric() throws {
        let query: [Float] = [1, 2]
        let ip = try BruteForceIndex(vectors: Self.vectors, dimension: 2, metric: .innerProduct).search(query, k: 3)
        #expect(ip.first == Neighbor(label: 1, score: 9))
        let l2 = try BruteForceIndex(vectors: Self.vectors, dimension: 2, metric: .euclidean).search(query, k: 3)
        #expect(l2.first == Neighbor(label: 2, score: -2))
        let cos = try BruteForceIndex(vectors: Self.vectors, dimension: 2, metric: .cosine).search(query, k: 3)
        #expect(abs(cos[0].score - 3 / (5 * Float(2)).squareRoot()) < 1e-6)
    }

    @Test func kLargerThanCountReturnsEverything() throws {
        let index = try BruteForceIndex(vectors: Self.vectors, dimension: 2, metric: .innerProduct)
        #expect(try index.search([1, 1], k: 10).count == 3)
        #expect(try index.search([1, 1], k: 0).isEmpty)
    }

    @Test func emptyIndexReturnsNothing() throws {
        let index = try BruteForceIndex(dimension: 4, metric: .cosine)
        #expect(try index.search([1, 2, 3, 4], k: 5).isEmpty)
    }

    @Test func tiesAreOrderedByLabel() throws {
        var index = try BruteForceIndex(dimension: 2, metric: .innerProduct)
        for label: Int32 in [7, 3, 5, 1, 9] { try index.insert([1, 1], label: label) }
        try index.insert([0, 0], label: 0)
        #expect(try index.search([1, 0], k: 3).map(\.label) == [1, 3, 5])
    }

    @Test func removedVectorsAreNotReturned() throws {
        var index = try BruteForceIndex(vectors: Self.vectors, dimension: 2, metric: .innerProduct)
        let removedOnce = index.remove(label: 1)
        let removedTwice = index.remove(label: 1)
        #expect(removedOnce && !removedTwice)
        #expect(try index.search([1, 1], k: 3).map(\.label).sorted() == [0, 2])
        try index.insert([5, 5], label: 1)
        #expect(try index.search([1, 1], k: 1).map(\.label) == [1])
    }

    @Test func badInputIsRejectedAndLeavesTheIndexUnchanged() throws {
        var index = try BruteForceIndex(vectors: Self.vectors, dimension: 2, metric: .euclidean)
        let before = index
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try index.insert([1, 2, 3], label: 5) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try index.insert([1, 2], label: 0) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try index.insert([1, 2], label: -1) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try index.insert([.nan, 2], label: 4) }
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try index.search([1], k: 1) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try index.search([1, 1], k: -1) }
        #expect(index == before)
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try BruteForceIndex(vectors: [1, 2, 3], dimension: 2, metric: .euclidean)
        }
        #expect(throws: AttuneMLError.invalidArgument("")) { try BruteForceIndex(dimension: 0, metric: .euclidean) }
    }
}
