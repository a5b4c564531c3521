import Testing
@testable import AttuneML

struct RankingMetricsTests {
    // User 0: truth {1, 2}, list [1, 5, 2] -> hits at ranks 1 and 3.
    // User 1: truth {7}, list [8, 9] (short, no hit).
    static let report = RankingMetrics.evaluate(
        recommendations: [[1, 5, 2], [8, 9]], truth: [[1, 2], [7]], seen: [[0], [8]],
        users: [0, 1], catalogSize: 10, k: 3)

    @Test func precisionAlwaysDividesByK() {
        #expect(abs(Self.report.precision - (2.0 / 3) / 2) < 1e-12)
    }

    @Test func recallDividesByTruthSize() {
        #expect(abs(Self.report.recall - 0.5) < 1e-12)
    }

    @Test func ndcgUsesIdealOverMinOfKAndTruth() {
        let dcg = 1.0 + 0.5  // 1/log2(2) + 1/log2(4)
        let idcg = 1.0 + 0.630_929_753_571_457_4  // 1/log2(2) + 1/log2(3)
        #expect(abs(Self.report.ndcg - (dcg / idcg) / 2) < 1e-12)
    }

    @Test func mapAveragesPrecisionAtHits() {
        #expect(abs(Self.report.meanAveragePrecision - ((1.0 + 2.0 / 3) / 2) / 2) < 1e-12)
    }

    @Test func hitRateCountsUsersWithAnyHit() {
        #expect(Self.report.hitRate == 0.5)
    }

    @Test func coverageCountsDistinctRecommendedItems() {
        #expect(Self.report.coverage == 0.5)
    }

    @Test func reportsShortListsAndSeenItems() {
        #expect(Self.report.shortLists == 1)
        #expect(Self.report.seenItemsRecommended == 1)
    }

    @Test func onlyTheFirstKCount() {
        let r = RankingMetrics.evaluate(recommendations: [[5, 6, 1]], truth: [[1]], users: [0], catalogSize: 10, k: 2)
        #expect(r.hitRate == 0)
        #expect(r.coverage == 0.2)
    }

    @Test func usersWithoutAListScoreZeroButCount() {
        let r = RankingMetrics.evaluate(recommendations: [[1]], truth: [[1], [2]], users: [0, 1], catalogSize: 3, k: 1)
        #expect(r.precision == 0.5)
        #expect(r.ndcg == 0.5)
    }

    @Test func perfectListScoresOne() {
        let r = RankingMetrics.evaluate(recommendations: [[3, 1, 2]], truth: [[1, 2, 3]], users: [0], catalogSize: 3, k: 3)
        #expect(abs(r.ndcg - 1) < 1e-12)
        #expect(abs(r.meanAveragePrecision - 1) < 1e-12)
        #expect(r.precision == 1 && r.recall == 1)
    }
}
