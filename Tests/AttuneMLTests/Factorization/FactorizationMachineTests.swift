import Testing

@testable import AttuneML

struct FactorizationMachineTests {
    @Test(arguments: [1, 7, 8, 13, 64])
    func linearTimePairwiseTermEqualsTheNaiveDoubleSum(factors: Int) throws {
        let model = try FactorizationFixtures.randomModel(features: 40, factors: factors, seed: UInt64(factors))
        for example in FactorizationFixtures.randomExamples(count: 50, features: 40, maxLength: 9, seed: 7) {
            let fast = try model.predict(example)
            let naive = FactorizationKernels.naiveOutput(
                indices: example.indices, values: example.values, bias: model.bias, linear: model.linear,
                factors: model.featureFactors)
            #expect(abs(Double(fast) - naive) <= 1e-4 * max(1, abs(naive)))
        }
    }

    @Test func scoringAllItemsEqualsPredictingEachJoinedExample() throws {
        // 5 users (features 0..<5, plus an attribute 5 or 6), 9 items (features 7..<16, plus a
        // category 16..<19 with weight 0.5), context features 19 and 20.
        let users = FeatureRows(
            (0..<5).map { try! FeatureVector(indices: [Int32($0), Int32(5 + $0 % 2)], values: [1, 0.7]) })
        let items = FeatureRows(
            (0..<9).map { try! FeatureVector(indices: [Int32(7 + $0), Int32(16 + $0 % 3)], values: [1, 0.5]) })
        let context = FeatureVector(ones: [19, 20])
        let model = try FactorizationFixtures.randomModel(
            features: 21, factors: 13, seed: 5,
            layout: FactorizationLayout(users: users, items: items, context: context))
        for u in 0..<5 {
            let scores = RecommenderChecks.allScores(
                model, seen: try SparseMatrix(rowLists: Array(repeating: [], count: 5), columnCount: 9))[u]
            for i in 0..<9 {
                let expected = try model.predict(users[row: u] + context + items[row: i])
                #expect(abs(scores[i] - expected) <= 1e-4 * max(1, abs(expected)))
            }
        }
    }

    @Test func blockedBatchAgreesWithSingleUserScoring() throws {
        let model = try FactorizationFixtures.communityModel()
        #expect(RecommenderChecks.batchMatchesSingle(model, seen: FactorizationFixtures.communities().seen, k: 4))
    }

    @Test func unknownUserIsScoredFromTheContextAlone() throws {
        let model = try FactorizationFixtures.communityModel()
        let c = FactorizationFixtures.communities()
        var viaScore = [Float](repeating: 0, count: model.itemCount)
        var viaContext = [Float](repeating: 0, count: model.itemCount)
        let empty: [Int32] = []
        let none: [Float] = []
        empty.withUnsafeBufferPointer { h in
            none.withUnsafeBufferPointer { v in
                viaScore.withUnsafeMutableBufferPointer { model.score(user: nil, history: h, values: v, into: $0) }
            }
        }
        try viaContext.withUnsafeMutableBufferPointer { try model.scoreItems(context: c.layout.context, into: $0) }
        #expect(viaScore == viaContext)
        #expect(model.recommend(user: 999, history: [0, 1], k: 3).count == 3)
    }

    @Test func saveLoadRoundTripGivesIdenticalPredictions() throws {
        let model = try FactorizationFixtures.communityModel()
        let loaded = try FactorizationMachine(serialized: model.serialized())
        #expect(loaded == model)
        let seen = FactorizationFixtures.communities().seen
        #expect(RecommenderChecks.allScores(loaded, seen: seen) == RecommenderChecks.allScores(model, seen: seen))
        for example in FactorizationFixtures.randomExamples(
            count: 20, features: model.featureCount, maxLength: 4, seed: 1)
        {
            #expect(try loaded.predict(example) == model.predict(example))
        }
    }

    @Test func corruptBlobsAreRejected() throws {
        let bytes = try FactorizationFixtures.communityModel().serialized()
        #expect(throws: AttuneMLError.corruptData("")) { try FactorizationMachine(serialized: Array(bytes.dropLast())) }
        #expect(throws: AttuneMLError.corruptData("")) { try FactorizationMachine(serialized: bytes + [0]) }
        let other = try BPR.fit(
            interactions: Fixtures.twoCommunities(), configuration: .init(factors: 2, iterations: 1))
        #expect(throws: AttuneMLError.corruptData("")) { try FactorizationMachine(serialized: other.serialized()) }
    }

    @Test func predictRejectsBadExamples() throws {
        let model = try FactorizationFixtures.randomModel(features: 10, factors: 4, seed: 1)
        #expect(throws: AttuneMLError.indexOutOfRange("")) { try model.predict(FeatureVector(ones: [3, 10])) }
        #expect(throws: AttuneMLError.indexOutOfRange("")) { try model.predict(FeatureVector(ones: [-1])) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try model.predict(FeatureVector()) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try model.predict(FeatureVector([(1, .nan)])) }
        #expect(throws: AttuneMLError.invalidArgument("")) { try model.predict(FeatureVector([(1, .infinity)])) }
        #expect(throws: AttuneMLError.dimensionMismatch("")) { try FeatureVector(indices: [1, 2], values: [1]) }
    }

    @Test(arguments: [0, -3])
    func rejectsNonPositiveFactors(factors: Int) {
        let c = FactorizationMachine.Configuration(factors: factors)
        #expect(throws: AttuneMLError.invalidArgument("")) { try FactorizationMachine(untrained: c, featureCount: 5) }
        let fixture = FactorizationFixtures.communities()
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try FactorizationMachine.fit(
                events: fixture.events, layout: fixture.layout, featureCount: fixture.featureCount,
                configuration: c)
        }
    }

    @Test func rejectsBadConfigurationAndShapes() throws {
        for c in [
            FactorizationMachine.Configuration(learningRate: 0), .init(learningRate: .nan), .init(regularization: -1),
            .init(linearRegularization: -1), .init(biasRegularization: .infinity), .init(iterations: -1),
            .init(negativeSamples: 0), .init(initialStandardDeviation: -1),
        ] {
            #expect(throws: AttuneMLError.invalidArgument("")) {
                try FactorizationMachine(untrained: c, featureCount: 5)
            }
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try FactorizationMachine(untrained: .init(), featureCount: 0)
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try FactorizationMachine(
                configuration: .init(factors: 2), featureCount: 3, bias: 0, linear: [0, 0],
                featureFactors: DenseMatrix(rowCount: 3, columnCount: 2))
        }
        // A layout naming a feature the model does not have.
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try FactorizationMachine(
                untrained: .init(factors: 2), featureCount: 3,
                layout: FactorizationLayout(items: FeatureRows([FeatureVector(ones: [3])])))
        }
        // An item without features.
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try FactorizationMachine(
                untrained: .init(factors: 2), featureCount: 3,
                layout: FactorizationLayout(items: FeatureRows([FeatureVector()])))
        }
    }

    @Test func scoreItemsRejectsABadContextOrBuffer() throws {
        let model = try FactorizationFixtures.communityModel()
        var scores = [Float](repeating: 0, count: model.itemCount)
        try scores.withUnsafeMutableBufferPointer { s in
            #expect(throws: AttuneMLError.indexOutOfRange("")) {
                try model.scoreItems(context: FeatureVector(ones: [Int32(model.featureCount)]), into: s)
            }
            #expect(throws: AttuneMLError.invalidArgument("")) {
                try model.scoreItems(context: FeatureVector([(0, .nan)]), into: s)
            }
            #expect(throws: AttuneMLError.dimensionMismatch("")) {
                try model.scoreItems(context: FeatureVector(), into: UnsafeMutableBufferPointer(rebasing: s[1...]))
            }
            // An empty context is valid: it ranks by item terms alone.
            try model.scoreItems(context: FeatureVector(), into: s)
        }
    }
}
