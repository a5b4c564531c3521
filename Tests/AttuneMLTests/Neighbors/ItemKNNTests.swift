import Testing
@testable import AttuneML

struct ItemKNNTests {
    static func model(threads: Int = 2, neighbors: Int = 5, shrinkage: Float = 0) throws -> ItemKNN {
        try ItemKNN.fit(interactions: Fixtures.twoCommunities(),
                        configuration: .init(neighbors: neighbors, shrinkage: shrinkage), threads: threads)
    }

    @Test func cosineOfKnownColumns() throws {
        // Item 0 seen by users {0, 1}, item 1 by {0}, item 2 by {1, 2}.
        let m = try SparseMatrix(rowLists: [[0, 1], [0, 2], [2]], columnCount: 3)
        let knn = try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 2))
        #expect(abs(knn.similarities[0, 1] - 1 / Float(2).squareRoot()) < 1e-6)
        #expect(abs(knn.similarities[0, 2] - 0.5) < 1e-6)
        #expect(knn.similarities[1, 2] == 0)
        #expect(knn.similarities[0, 0] == 0)
    }

    @Test func shrinkageLowersSimilarities() throws {
        let m = try SparseMatrix(rowLists: [[0, 1], [0, 2], [2]], columnCount: 3)
        let knn = try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 2, shrinkage: 1))
        #expect(abs(knn.similarities[0, 2] - 1 / 3) < 1e-6)
    }

    @Test func asymmetricCosineWeighsOwnerAndNeighbourNormsDifferently() throws {
        // |U_0| = 2, |U_2| = 2, |U_1| = 1; co-occurrence of items 0 and 1 is 1.
        let m = try SparseMatrix(rowLists: [[0, 1], [0, 2], [2]], columnCount: 3)
        let knn = try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 2, asymmetry: 1))
        #expect(abs(knn.similarities[0, 1] - 0.5) < 1e-6)  // 1 / |U_0|
        #expect(abs(knn.similarities[1, 0] - 1) < 1e-6)  // 1 / |U_1|
    }

    @Test func userWeightingDividesByActivity() throws {
        // User 0 has 2 items, user 1 has 4: with β = 1 their co-occurrences weigh 1/2 and 1/4.
        let m = try SparseMatrix(rowLists: [[0, 1], [0, 1, 2, 3]], columnCount: 4)
        let plain = try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 3))
        let weighted = try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 3, userWeightExponent: 1))
        #expect(abs(plain.similarities[0, 2] - 1 / Float(2).squareRoot()) < 1e-6)
        // x0 = x1 = (1/2, 1/4), x2 = (0, 1/4): cos = (1/16) / (sqrt(5/16) * 1/4).
        let expected = Float(1.0 / 16) / (Float(5.0 / 16).squareRoot() * 0.25)
        #expect(abs(weighted.similarities[0, 2] - expected) < 1e-6)
        #expect(abs(weighted.similarities[0, 1] - 1) < 1e-6)
    }

    @Test func keepsAtMostKNeighboursMostSimilarFirst() throws {
        let knn = try Self.model(neighbors: 3)
        for i in 0..<knn.itemCount {
            let n = knn.neighbors(of: i)
            #expect(n.count <= 3)
            #expect(zip(n, n.dropFirst()).allSatisfy { $0.similarity >= $1.similarity })
        }
    }

    @Test func recommendationsStayInsideTheCommunity() throws {
        #expect(RecommenderChecks.staysInCommunity(try Self.model(), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func neverRecommendsSeenItems() throws {
        #expect(RecommenderChecks.neverRecommendsSeen(try Self.model(), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func resultDoesNotDependOnThreads() throws {
        #expect(try Self.model(threads: 1) == Self.model(threads: 2))
    }

    @Test func scoresSumSimilaritiesOfTheHistory() throws {
        let knn = try Self.model()
        let history: [Int32] = [0, 3]
        let scores = RecommenderChecks.allScores(knn, seen: try SparseMatrix(rowLists: [history], columnCount: 20))[0]
        for j in 0..<20 {
            #expect(abs(scores[j] - (knn.similarities[0, j] + knn.similarities[3, j])) < 1e-6)
        }
    }

    @Test func rejectsBadConfiguration() {
        let m = Fixtures.twoCommunities()
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 0))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 3, shrinkage: -1))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 3, asymmetry: 1.5))
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ItemKNN.fit(interactions: m, configuration: .init(neighbors: 3, userWeightExponent: -1))
        }
    }

    @Test func handlesEmptyCatalogueAndItemsNobodyTouched() throws {
        let none = try SparseMatrix(rowCount: 2, columnCount: 0, rows: [], columns: [])
        #expect(try ItemKNN.fit(interactions: none, configuration: .init()).itemCount == 0)
        let lonely = try SparseMatrix(rowLists: [[0], []], columnCount: 3)
        let knn = try ItemKNN.fit(interactions: lonely, configuration: .init(neighbors: 2), threads: 2)
        #expect(knn.similarities.nonZeroCount == 0)
        #expect(knn.recommendAll(seen: lonely, k: 2, threads: 2) == [[1, 2], [0, 1]])
    }

    @Test func rejectsNegativeInteractionValues() throws {
        let m = try SparseMatrix(rowCount: 1, columnCount: 2, rows: [0], columns: [1], values: [-1])
        #expect(throws: AttuneMLError.invalidArgument("")) { try ItemKNN.fit(interactions: m, configuration: .init()) }
    }

    @Test func saveLoadRoundTripGivesIdenticalScores() throws {
        let knn = try ItemKNN.fit(interactions: Fixtures.twoCommunities(),
                                  configuration: .init(neighbors: 4, shrinkage: 2, asymmetry: 0.3, userWeightExponent: 0.25))
        let loaded = try ItemKNN(serialized: knn.serialized())
        #expect(loaded == knn)
        let seen = Fixtures.twoCommunities()
        #expect(RecommenderChecks.allScores(loaded, seen: seen) == RecommenderChecks.allScores(knn, seen: seen))
    }
}
