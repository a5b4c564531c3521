import RealModule

/// Averaged top-K ranking metrics with binary relevance, computed exactly as the protocol's judge.
package struct RankingReport: Sendable, Equatable {
    package var precision: Double
    package var recall: Double
    package var ndcg: Double
    package var meanAveragePrecision: Double
    package var hitRate: Double
    /// Distinct items recommended to the evaluated users over the catalogue size.
    package var coverage: Double
    package var userCount: Int
    /// Evaluated users whose list is shorter than K.
    package var shortLists: Int
    /// Recommended items that were in the user's training items (protocol violations).
    package var seenItemsRecommended: Int
}

/// Top-K metrics (Precision, Recall, NDCG, MAP, HitRate, coverage).
///
/// Per user with list `R` (first K), truth `T` and `hits = |R ∩ T|`: Precision = hits / K (always K,
/// even for a short list); Recall = hits / |T|; NDCG = DCG / IDCG with `DCG = Σ rel(r)/log2(r+1)` and
/// IDCG over `min(K, |T|)` ranks (Järvelin & Kekäläinen 2002); AP = Σ rel(r)·P@r / min(K, |T|);
/// HitRate = 1 when hits > 0. Each is the mean over the evaluated users, summed in the order given.
package enum RankingMetrics {
    /// - Parameters:
    ///   - recommendations: per user (indexed by user), the ranked list; only the first `k` count.
    ///   - truth: per user, the held-out items.
    ///   - seen: per user, the training items (only to count violations), or `nil`.
    ///   - users: the users to average over, e.g. all, or those with validation history.
    ///   - catalogSize: the number of items for coverage.
    ///   - k: the cut-off.
    /// - Complexity: O(Σ (|R_u| + |T_u|)) expected.
    package static func evaluate(
        recommendations: [[Int32]], truth: [[Int32]], seen: [[Int32]]? = nil,
        users: [Int], catalogSize: Int, k: Int
    ) -> RankingReport {
        precondition(k > 0, "k must be positive")
        var discount = [Double](repeating: 0, count: k + 1)
        for r in 1...k { discount[r] = 1.0 / Double.log2(Double(r + 1)) }
        var sumP = 0.0, sumR = 0.0, sumN = 0.0, sumAP = 0.0, sumHit = 0.0
        var recommended = Set<Int32>()
        var shortLists = 0
        var violations = 0
        for u in users {
            let truthSet = Set(truth[u])
            guard !truthSet.isEmpty else { continue }
            let list = u < recommendations.count ? Array(recommendations[u].prefix(k)) : []
            if list.count < k { shortLists += 1 }
            let seenSet = seen.map { Set($0[u]) } ?? []
            var hits = 0
            var dcg = 0.0
            var ap = 0.0
            for (position, item) in list.enumerated() {
                let rank = position + 1
                recommended.insert(item)
                if seenSet.contains(item) { violations += 1 }
                if truthSet.contains(item) {
                    hits += 1
                    dcg += discount[rank]
                    ap += Double(hits) / Double(rank)
                }
            }
            let m = Swift.min(k, truthSet.count)
            var idcg = 0.0
            for r in 1...m { idcg += discount[r] }
            sumP += Double(hits) / Double(k)
            sumR += Double(hits) / Double(truthSet.count)
            sumN += dcg / idcg
            sumAP += ap / Double(m)
            sumHit += hits > 0 ? 1 : 0
        }
        let n = Double(Swift.max(1, users.count))
        let inCatalog = recommended.filter { $0 >= 0 && Int($0) < catalogSize }.count
        return RankingReport(
            precision: sumP / n, recall: sumR / n, ndcg: sumN / n, meanAveragePrecision: sumAP / n,
            hitRate: sumHit / n, coverage: catalogSize > 0 ? Double(inCatalog) / Double(catalogSize) : 0,
            userCount: users.count, shortLists: shortLists, seenItemsRecommended: violations)
    }
}
