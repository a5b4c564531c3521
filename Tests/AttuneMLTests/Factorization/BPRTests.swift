import Testing
@testable import AttuneML

struct BPRTests {
    static let configuration = BPR.Configuration(factors: 8, learningRate: 0.05, regularization: 0.01, iterations: 300, seed: 3)

    static func model(threads: Int = 1, configuration: BPR.Configuration = configuration) throws -> BPR {
        try BPR.fit(interactions: Fixtures.twoCommunities(), configuration: configuration, threads: threads)
    }

    @Test func recommendationsStayInsideTheCommunity() throws {
        #expect(RecommenderChecks.staysInCommunity(try Self.model(), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func hogwildTrainingAlsoSeparatesCommunities() throws {
        #expect(RecommenderChecks.staysInCommunity(try Self.model(threads: 2), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func neverRecommendsSeenItems() throws {
        #expect(RecommenderChecks.neverRecommendsSeen(try Self.model(), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func blockedBatchAgreesWithSingleUserScoring() throws {
        var c = Self.configuration
        c.factors = 13
        #expect(RecommenderChecks.batchMatchesSingle(try Self.model(configuration: c), seen: Fixtures.twoCommunities(), k: 4))
    }

    @Test func oneThreadIsDeterministicUnderASeed() throws {
        #expect(try Self.model() == Self.model())
        var c = Self.configuration
        c.seed = 4
        #expect(try Self.model() != Self.model(configuration: c))
    }

    @Test func unknownUserFallsBackToTheirItemsMeanVector() throws {
        let model = try Self.model()
        let recs = model.recommend(user: nil, history: [0, 3, 6, 9], k: 3)
        #expect(recs.allSatisfy { $0 < 10 && ![0, 3, 6, 9].contains($0) })
    }

    @Test func rejectsBadConfiguration() {
        let m = Fixtures.twoCommunities()
        for c in [
            BPR.Configuration(factors: 0), BPR.Configuration(learningRate: 0),
            BPR.Configuration(regularization: -1), BPR.Configuration(iterations: -1),
        ] {
            #expect(throws: AttuneMLError.invalidArgument("")) { try BPR.fit(interactions: m, configuration: c) }
        }
    }

    @Test func emptyInteractionsGiveAnUntrainedModel() throws {
        let m = try SparseMatrix(rowCount: 2, columnCount: 3, rows: [], columns: [])
        let model = try BPR.fit(interactions: m, configuration: Self.configuration)
        #expect(model.itemBias == [0, 0, 0])
    }

    @Test func rejectsNegativeInteractionValues() throws {
        let m = try SparseMatrix(rowCount: 1, columnCount: 2, rows: [0], columns: [1], values: [-1])
        #expect(throws: AttuneMLError.invalidArgument("")) { try BPR.fit(interactions: m, configuration: .init()) }
    }

    @Test func saveLoadRoundTripGivesIdenticalScores() throws {
        let model = try Self.model()
        let loaded = try BPR(serialized: model.serialized())
        #expect(loaded == model)
        let seen = Fixtures.twoCommunities()
        #expect(RecommenderChecks.allScores(loaded, seen: seen) == RecommenderChecks.allScores(model, seen: seen))
    }
}
