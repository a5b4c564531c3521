import Testing

@testable import AttuneML

struct HybridWeightSearchTests {
    /// The first four items of each fixture row are training, the last two are held out.
    static func split() throws -> (seen: SparseMatrix, truth: [[Int32]], components: [any Recommender]) {
        let sequences = Fixtures.twoCommunitySequences()
        let seen = try SparseMatrix(rowLists: sequences.map { Array($0.prefix(4)) }, columnCount: 20)
        let truth = sequences.map { Array($0.suffix(2)) }
        let knn = try ItemKNN.fit(interactions: seen, configuration: .init(neighbors: 5))
        return (seen, truth, [CrossCommunityModel(), knn, PopularityModel.fit(interactions: seen)])
    }

    @Test func dropsAHarmfulComponentAndNeverLosesToTheBestSingleModel() throws {
        let (seen, truth, components) = try Self.split()
        let result = try HybridWeightSearch.learnWeights(
            components: components, seen: seen, truth: truth, users: Array(0..<20), configuration: .init(k: 3))
        #expect(result.weights[0] == 0)
        #expect(result.weights[1] > 0)
        #expect(result.singleNDCG[0] == 0)
        #expect(result.ndcg >= result.singleNDCG.max()!)
        #expect(result.evaluations > components.count)
        // The reported NDCG is what the hybrid with those weights achieves.
        let hybrid = try HybridRecommender(components: components, weights: result.weights)
        let report = RankingMetrics.evaluate(
            recommendations: hybrid.recommendAll(seen: seen, k: 3, threads: 1),
            truth: truth, users: Array(0..<20), catalogSize: 20, k: 3)
        #expect(abs(report.ndcg - result.ndcg) < 1e-9)
        #expect(RecommenderChecks.staysInCommunity(hybrid, seen: seen, k: 3))
    }

    @Test func resultDoesNotDependOnThreads() throws {
        let (seen, truth, components) = try Self.split()
        let one = try HybridWeightSearch.learnWeights(
            components: components, seen: seen, truth: truth, users: Array(0..<20), threads: 1)
        let two = try HybridWeightSearch.learnWeights(
            components: components, seen: seen, truth: truth, users: Array(0..<20), threads: 2)
        #expect(one == two)
    }

    @Test func rejectsBadInput() throws {
        let (seen, truth, components) = try Self.split()
        let users = Array(0..<20)
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try HybridWeightSearch.learnWeights(components: [], seen: seen, truth: truth, users: users)
        }
        for c in [HybridWeightSearch.Configuration(grid: []), .init(grid: [-1]), .init(rounds: 0), .init(k: 0)] {
            #expect(throws: AttuneMLError.invalidArgument("")) {
                try HybridWeightSearch.learnWeights(
                    components: components, seen: seen, truth: truth, users: users, configuration: c)
            }
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try HybridWeightSearch.learnWeights(components: components, seen: seen, truth: [], users: users)
        }
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try HybridWeightSearch.learnWeights(components: components, seen: seen, truth: truth, users: [20])
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try HybridWeightSearch.learnWeights(
                components: [PopularityModel(itemScores: [1])], seen: seen, truth: truth, users: users)
        }
    }
}
