import Testing
@testable import AttuneML

struct ImplicitALSTests {
    static let configuration = ImplicitALS.Configuration(factors: 4, regularization: 0.1, alpha: 5, iterations: 10, seed: 7)

    static func model(threads: Int = 2, configuration: ImplicitALS.Configuration = configuration) throws -> ImplicitALS {
        try ImplicitALS.fit(interactions: Fixtures.twoCommunities(), configuration: configuration, threads: threads)
    }

    @Test func recommendationsStayInsideTheCommunity() throws {
        #expect(RecommenderChecks.staysInCommunity(try Self.model(), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func exactSolverAlsoSeparatesCommunities() throws {
        var c = Self.configuration
        c.conjugateGradientSteps = 0
        #expect(RecommenderChecks.staysInCommunity(try Self.model(configuration: c), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func neverRecommendsSeenItems() throws {
        #expect(RecommenderChecks.neverRecommendsSeen(try Self.model(), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func blockedBatchAgreesWithSingleUserScoring() throws {
        var c = Self.configuration
        c.factors = 19  // exercises the SIMD tail paths
        #expect(RecommenderChecks.batchMatchesSingle(try Self.model(configuration: c), seen: Fixtures.twoCommunities(), k: 4))
    }

    @Test func sameSeedGivesIdenticalFactorsWhateverTheThreads() throws {
        let a = try Self.model(threads: 1)
        #expect(a == (try Self.model(threads: 1)))
        #expect(a == (try Self.model(threads: 2)))
    }

    @Test func differentSeedsGiveDifferentFactors() throws {
        var c = Self.configuration
        c.seed = 8
        #expect(try Self.model() != Self.model(configuration: c))
    }

    @Test func conjugateGradientConvergesToTheExactSolution() throws {
        let f = 8
        let y = try DenseMatrix(rowCount: 30, columnCount: f, values: Fixtures.randomFloats(30 * f, seed: 1))
        let gram = y.gram(addingToDiagonal: 0.1)
        let cols: [Int32] = [2, 5, 11, 17, 29]
        let vals: [Float] = [1, 2, 1, 3, 1]
        var exact = [Float](repeating: 0, count: f)
        var cg = [Float](repeating: 0.01, count: f)
        var scratch = [Float](repeating: 0, count: f * f + 3 * f)
        try y.values.withUnsafeBufferPointer { yp in
            try gram.values.withUnsafeBufferPointer { gp in
                try cols.withUnsafeBufferPointer { cp in
                    try vals.withUnsafeBufferPointer { vp in
                        try scratch.withUnsafeMutableBufferPointer { sp in
                            try exact.withUnsafeMutableBufferPointer { ep in
                                try ImplicitALS.exactSolve(x: ep.baseAddress!, y: yp.baseAddress!, gram: gp.baseAddress!,
                                                           columns: cp, values: vp, alpha: 2, f: f, scratch: sp.baseAddress!)
                            }
                            cg.withUnsafeMutableBufferPointer { xp in
                                ImplicitALS.conjugateGradient(x: xp.baseAddress!, y: yp.baseAddress!, gram: gp.baseAddress!,
                                                              columns: cp, values: vp,
                                                              alpha: 2, steps: 40, f: f, scratch: sp.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        for k in 0..<f { #expect(abs(exact[k] - cg[k]) < 1e-3) }
    }

    @Test func foldInEqualsAnExactUserHalfStep() throws {
        var c = Self.configuration
        c.conjugateGradientSteps = 0
        let seen = Fixtures.twoCommunities()
        let model = try Self.model(configuration: c)
        var users = model.userFactors
        try ImplicitALS.solve(rows: &users, fixed: model.itemFactors, interactions: seen, configuration: c, threads: 1)
        for u in 0..<seen.rowCount {
            let v = model.foldIn(items: Array(seen.columns(ofRow: u)))
            for k in 0..<c.factors { #expect(abs(v[k] - users[u, k]) < 1e-4) }
        }
    }

    @Test func unknownUserIsServedByFoldIn() throws {
        let model = try Self.model()
        let recs = model.recommend(user: nil, history: [10, 13, 16], k: 3)
        #expect(recs.count == 3)
        #expect(recs.allSatisfy { $0 >= 10 && ![10, 13, 16].contains($0) })
    }

    @Test func recommendAllServesUsersAddedAfterTraining() throws {
        let model = try Self.model()
        let trained = Fixtures.twoCommunities()
        var lists = (0..<trained.rowCount).map { Array(trained.columns(ofRow: $0)) }
        lists.append([11, 14, 17])  // a new user of the second community
        let seen = try SparseMatrix(rowLists: lists, columnCount: 20)
        let all = model.recommendAll(seen: seen, k: 3, threads: 2)
        #expect(all.count == 21)
        #expect(all[20].allSatisfy { $0 >= 10 && ![11, 14, 17].contains($0) })
        #expect(Array(all[0..<20]) == model.recommendAll(seen: trained, k: 3, threads: 1))
        #expect(model.recommendAll(seen: try SparseMatrix(rowLists: Array(lists[0..<5]), columnCount: 20), k: 3, threads: 1)
                == Array(all[0..<5]))
    }

    @Test func trainsOnEmptyAndDegenerateShapes() throws {
        let noInteractions = try SparseMatrix(rowCount: 3, columnCount: 4, rows: [], columns: [])
        let model = try ImplicitALS.fit(interactions: noInteractions, configuration: Self.configuration)
        #expect(model.userFactors.values.allSatisfy { $0.isFinite && abs($0) < 0.01 })
        #expect(model.recommendAll(seen: noInteractions, k: 2, threads: 2).allSatisfy { $0.count == 2 })
        #expect(model.recommendAll(seen: noInteractions, k: 0, threads: 2) == [[], [], []])
        let nothing = try SparseMatrix(rowCount: 0, columnCount: 0, rows: [], columns: [])
        let empty = try ImplicitALS.fit(interactions: nothing, configuration: Self.configuration)
        #expect(empty.recommendAll(seen: nothing, k: 3, threads: 2).isEmpty)
        #expect(empty.foldIn(items: [1]).count == Self.configuration.factors)
    }

    @Test func rejectsNegativeInteractionValues() throws {
        let m = try SparseMatrix(rowCount: 1, columnCount: 2, rows: [0], columns: [1], values: [-1])
        #expect(throws: AttuneMLError.invalidArgument("")) { try ImplicitALS.fit(interactions: m, configuration: Self.configuration) }
    }

    @Test func foldInIgnoresUnknownItemsAndEmptyHistory() throws {
        let model = try Self.model()
        #expect(model.foldIn(items: []).allSatisfy { $0 == 0 })
        #expect(model.foldIn(items: [3, 999, -1]) == model.foldIn(items: [3]))
    }

    @Test func rejectsBadConfiguration() {
        let m = Fixtures.twoCommunities()
        for c in [
            ImplicitALS.Configuration(factors: 0), ImplicitALS.Configuration(regularization: -1),
            ImplicitALS.Configuration(alpha: -1), ImplicitALS.Configuration(iterations: -1),
        ] {
            #expect(throws: AttuneMLError.invalidArgument("")) { try ImplicitALS.fit(interactions: m, configuration: c) }
        }
    }

    @Test func saveLoadRoundTripGivesIdenticalScores() throws {
        let model = try Self.model()
        let loaded = try ImplicitALS(serialized: model.serialized())
        #expect(loaded == model)
        let seen = Fixtures.twoCommunities()
        #expect(RecommenderChecks.allScores(loaded, seen: seen) == RecommenderChecks.allScores(model, seen: seen))
    }

    @Test func loadRejectsTruncatedAndForeignBlobs() throws {
        let blob = try Self.model().serialized()
        #expect(throws: AttuneMLError.corruptData("")) { try ImplicitALS(serialized: Array(blob.dropLast(3))) }
        #expect(throws: AttuneMLError.corruptData("")) { try ImplicitALS(serialized: blob + [0]) }
        let other = PopularityModel(itemScores: [1]).serialized()
        #expect(throws: AttuneMLError.corruptData("")) { try ImplicitALS(serialized: other) }
    }
}
