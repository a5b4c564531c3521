import Testing
@testable import AttuneML

struct PopularityModelTests {
    @Test func ranksByCountWithTiesToLowerIndex() throws {
        let m = try SparseMatrix(rowLists: [[0, 2], [2, 3], [1, 3]], columnCount: 5)
        let model = PopularityModel.fit(interactions: m)
        #expect(model.itemScores == [1, 1, 2, 2, 0])
        #expect(model.recommend(user: nil, history: [], k: 3) == [2, 3, 0])
    }

    @Test func neverRecommendsSeenItems() {
        let m = Fixtures.twoCommunities()
        #expect(RecommenderChecks.neverRecommendsSeen(PopularityModel.fit(interactions: m), seen: m, k: 5))
    }

    @Test func decayHalvesWeightEveryHalfLife() throws {
        let model = try PopularityModel.fit(
            items: [0, 1, 1], timestamps: [100, 90, 80], itemCount: 2, now: 100, configuration: .init(halfLife: 10))
        #expect(abs(model.itemScores[0] - 1) < 1e-6)
        #expect(abs(model.itemScores[1] - 0.75) < 1e-6)
    }

    @Test func decayPrefersRecentItemsOverOldPopularOnes() throws {
        let model = try PopularityModel.fit(
            items: [0, 0, 0, 1], timestamps: [0, 0, 0, 1000], itemCount: 2, now: 1000, configuration: .init(halfLife: 100))
        #expect(model.recommend(user: nil, history: [], k: 1) == [1])
    }

    @Test func rejectsNonPositiveHalfLifeAndBadItems() {
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try PopularityModel.fit(items: [0], timestamps: [0], itemCount: 1, now: 0, configuration: .init(halfLife: 0))
        }
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try PopularityModel.fit(items: [3], timestamps: [0], itemCount: 1, now: 0, configuration: .init())
        }
    }

    @Test func saveLoadRoundTripKeepsScores() throws {
        let model = try PopularityModel.fit(
            items: [0, 1, 1], timestamps: [5, 6, 7], itemCount: 3, now: 7, configuration: .init(halfLife: 2))
        let loaded = try PopularityModel(serialized: model.serialized())
        #expect(loaded == model)
    }
}
