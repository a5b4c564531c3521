import Testing

@testable import AttuneML

struct StackedRecommenderTests {
    @Test func learnsToTrustTheInformativeComponentAndStaysInTheCommunity() throws {
        let (seen, truth, components) = try HybridWeightSearchTests.split()
        let popularity = StackedRecommender.popularityFeature(seen)
        #expect(popularity.max() == 1)
        #expect(popularity.allSatisfy { $0 >= 0 && $0 <= 1 })
        // The cross-community model points away from the held-out items; the combiner must learn
        // to discount it (a negative weight a linear blend with non-negative weights cannot express).
        let model = try StackingTrainer.fit(
            components: components, seen: seen, truth: truth, users: Array(0..<20), popularity: popularity)
        #expect(model.combiner.linear[0] < model.combiner.linear[1])
        #expect(RecommenderChecks.staysInCommunity(model, seen: seen, k: 3))
        #expect(RecommenderChecks.neverRecommendsSeen(model, seen: seen, k: 5))
        #expect(RecommenderChecks.batchMatchesSingle(model, seen: seen, k: 5))
        let ndcg = try StackingTrainer.crossValidatedNDCG(
            components: components, seen: seen, truth: truth, users: Array(0..<20), popularity: popularity)
        #expect(ndcg > 0.5)
    }

    @Test func savesAndLoadsWithIdenticalScores() throws {
        let (seen, truth, _) = try HybridWeightSearchTests.split()
        let knn = try ItemKNN.fit(interactions: seen, configuration: .init(neighbors: 5))
        let model = try StackingTrainer.fit(
            components: [knn, PopularityModel.fit(interactions: seen)], seen: seen, truth: truth, users: Array(0..<20),
            popularity: StackedRecommender.popularityFeature(seen))
        let loaded = try StackedRecommender(serialized: model.serialized())
        #expect(RecommenderChecks.allScores(loaded, seen: seen) == RecommenderChecks.allScores(model, seen: seen))
        var bytes = model.serialized()
        bytes.removeLast()
        #expect(throws: AttuneMLError.self) { try StackedRecommender(serialized: bytes) }
    }

    @Test func refusesShapesThatDisagreeAndDataWithoutPositives() throws {
        let (seen, truth, components) = try HybridWeightSearchTests.split()
        let combiner = try FactorizationMachine(untrained: .init(factors: 2, loss: .logistic), featureCount: 2)
        #expect(throws: AttuneMLError.self) {
            try StackedRecommender(components: components, combiner: combiner, popularity: [Float](repeating: 0, count: 20))
        }
        #expect(throws: AttuneMLError.self) {
            try StackingTrainer.fit(
                components: components, seen: seen, truth: truth.map { _ in [] }, users: Array(0..<20),
                popularity: StackedRecommender.popularityFeature(seen))
        }
    }
}
