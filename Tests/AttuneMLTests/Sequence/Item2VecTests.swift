import Foundation
import Testing

@testable import AttuneML

struct Item2VecTests {
    static let configuration = Item2Vec.Configuration(
        dimensions: 8, window: 3, negatives: 5, epochs: 100, learningRate: 0.05, subsampling: 0, seed: 7,
        recentItems: 4, decay: .position(halfLife: 2))

    static func model(threads: Int = 1, configuration: Item2Vec.Configuration = configuration) throws -> Item2Vec {
        try Item2Vec.fit(
            sequences: Fixtures.twoCommunitySequences(), itemCount: 20, configuration: configuration,
            threads: threads)
    }

    @Test func recommendationsStayInsideTheCommunity() throws {
        #expect(RecommenderChecks.staysInCommunity(try Self.model(), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func hogwildTrainingAlsoSeparatesCommunities() throws {
        #expect(RecommenderChecks.staysInCommunity(try Self.model(threads: 2), seen: Fixtures.twoCommunities(), k: 3))
    }

    @Test func neverRecommendsSeenItems() throws {
        #expect(RecommenderChecks.neverRecommendsSeen(try Self.model(), seen: Fixtures.twoCommunities(), k: 4))
    }

    @Test func similarItemsComeFromTheSameCommunity() throws {
        let model = try Self.model()
        for item in [0, 7, 12, 19] {
            let similar = try model.similarItems(to: item, k: 3)
            #expect(similar.count == 3)
            #expect(
                similar.allSatisfy {
                    Fixtures.community(Int($0.item)) == Fixtures.community(item) && Int($0.item) != item
                })
            #expect(zip(similar, similar.dropFirst()).allSatisfy { $0.similarity >= $1.similarity })
            #expect(abs(similar[0].similarity - model.similarity(item, Int(similar[0].item))) < 1e-6)
        }
        #expect(abs(model.similarity(3, 3) - 1) < 1e-5)
    }

    @Test func oneThreadIsDeterministicUnderASeed() throws {
        #expect(try Self.model() == Self.model())
        var c = Self.configuration
        c.seed = 8
        #expect(try Self.model() != Self.model(configuration: c))
    }

    @Test func subsamplingAndFewEpochsStillTrain() throws {
        var c = Self.configuration
        c.subsampling = 0.01
        c.epochs = 3
        let model = try Self.model(configuration: c)
        #expect(model.itemVectors.values.allSatisfy { $0.isFinite })
        #expect(model.itemVectors.values.contains { $0 != 0 })
    }

    @Test func itemsAbsentFromTrainingHaveZeroVectors() throws {
        let model = try Item2Vec.fit(
            sequences: [[0, 1, 2], [2, 1, 0]], itemCount: 4, configuration: Self.configuration)
        #expect(model.itemVectors.row(3).allSatisfy { $0 == 0 })
        #expect(model.similarity(0, 3) == 0)
    }

    @Test func unknownUserIsScoredFromTheGivenHistory() throws {
        let model = try Self.model()
        let recs = model.recommend(user: nil, history: [11, 14, 17], k: 3)
        #expect(recs.count == 3 && recs.allSatisfy { $0 >= 10 && ![11, 14, 17].contains($0) })
        #expect(model.recommend(user: 500, history: [11, 14, 17], k: 3) == recs)
    }

    @Test func emptyOrUntrainedHistoryFallsBackToPopularity() throws {
        let model = try Item2Vec.fit(
            sequences: [[0, 1], [1], [1, 2]], itemCount: 4, configuration: Self.configuration)
        #expect(model.recommend(user: nil, history: [], k: 3) == [1, 0, 2])
        #expect(model.recommend(user: nil, history: [3], k: 2) == [1, 0])
        #expect(model.recommend(user: nil, history: [-4, 99], k: 1) == [1])
    }

    @Test func nonPositiveKGivesEmptyListsOrAnError() throws {
        let model = try Self.model()
        #expect(model.recommendAll(seen: Fixtures.twoCommunities(), k: 0, threads: 2).allSatisfy { $0.isEmpty })
        #expect(throws: AttuneMLError.invalidArgument("")) { try model.similarItems(to: 0, k: 0) }
        #expect(throws: AttuneMLError.indexOutOfRange("")) { try model.similarItems(to: 20, k: 2) }
        #expect(throws: AttuneMLError.indexOutOfRange("")) { try model.similarItems(to: -1, k: 2) }
    }

    @Test func emptyTrainingGivesAPopularityOnlyModel() throws {
        let model = try Item2Vec.fit(sequences: [[], []], itemCount: 3, configuration: Self.configuration)
        #expect(model.itemVectors.values.allSatisfy { $0 == 0 })
        #expect(model.recommend(user: 0, history: [], k: 3) == [0, 1, 2])
    }

    @Test func rejectsBadInput() {
        let s = Fixtures.twoCommunitySequences()
        for c in [
            Item2Vec.Configuration(dimensions: 0), .init(window: 0), .init(negatives: -1), .init(epochs: -1),
            .init(learningRate: 0), .init(subsampling: -1), .init(unigramExponent: .nan), .init(recentItems: 0),
            .init(decay: .time(halfLife: 0)),
        ] {
            #expect(throws: AttuneMLError.invalidArgument("")) {
                try Item2Vec.fit(sequences: s, itemCount: 20, configuration: c)
            }
        }
        #expect(throws: AttuneMLError.indexOutOfRange("")) { try Item2Vec.fit(sequences: [[0, 5]], itemCount: 5) }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try Item2Vec.fit(sequences: [[0]], itemCount: 1, configuration: .init(decay: .time(halfLife: 5)))
        }
    }

    @Test func partitionBalancesInteractionsOverWorkers() {
        let sequences: [[Int32]] = [[0, 0, 0, 0], [0], [0], [0, 0], [0, 0]]
        let parts = Item2Vec.partition(sequences, workers: 2)
        #expect(parts == [0..<2, 2..<5])  // 5 and 5 interactions
        #expect(Item2Vec.partition([[0]], workers: 1) == [0..<1])
    }

    @Test func saveLoadRoundTripGivesIdenticalScores() throws {
        var c = Self.configuration
        c.decay = .none
        let model = try Self.model(configuration: c)
        let loaded = try Item2Vec(serialized: model.serialized())
        #expect(loaded == model)
        let seen = Fixtures.twoCommunities()
        #expect(RecommenderChecks.allScores(loaded, seen: seen) == RecommenderChecks.allScores(model, seen: seen))
        #expect(throws: AttuneMLError.corruptData("")) {
            try Item2Vec(serialized: Array(model.serialized().dropLast()))
        }
    }

    @Test func sigmoidTableMatchesTheLogisticFunction() {
        let table = Item2Vec.sigmoidTable
        #expect(table.count == Item2Vec.sigmoidTableSize)
        for x in stride(from: Float(-5.99), through: 5.99, by: 0.37) {
            let cell = table[Int((x + Item2Vec.sigmoidRange) * Item2Vec.sigmoidScale)]
            #expect(abs(cell - 1 / (1 + Float(exp(Double(-x))))) < 0.004)
        }
        #expect(zip(table, table.dropFirst()).allSatisfy { $0 < $1 })
    }
}
