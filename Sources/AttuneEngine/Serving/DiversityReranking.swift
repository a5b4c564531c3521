/// Maximal marginal relevance (Carbonell & Goldstein, SIGIR 1998): picks items one at a time,
/// each maximising `(1 − λ) · relevance − λ · (highest similarity to an item already picked)`.
///
/// `λ = 0` keeps the model's order; `λ = 1` picks the least redundant items whatever their
/// relevance. Relevance is the candidates' scores rescaled to [0, 1], so λ means the same for every
/// model.
package enum DiversityReranking {
    /// - Complexity: O(count · candidates) similarity calls.
    package static func rerank(
        _ candidates: [(item: Int32, score: Float)], count: Int, diversity lambda: Float,
        similarity: (Int32, Int32) -> Float
    ) -> [(item: Int32, score: Float)] {
        guard lambda > 0, candidates.count > 1, count > 1 else { return Array(candidates.prefix(count)) }
        let scores = candidates.map(\.score).filter(\.isFinite)
        let lo = scores.min() ?? 0
        let span = (scores.max() ?? 0) - lo
        let relevance = candidates.map { c -> Float in
            guard c.score.isFinite else { return 0 }
            return span > 0 ? (c.score - lo) / span : 1
        }
        var redundancy = [Float](repeating: 0, count: candidates.count)
        var taken = [Bool](repeating: false, count: candidates.count)
        var out: [(item: Int32, score: Float)] = []
        while out.count < min(count, candidates.count) {
            var best = -1
            var bestValue = -Float.infinity
            for j in candidates.indices where !taken[j] {
                let value = (1 - lambda) * relevance[j] - lambda * redundancy[j]
                if value > bestValue {
                    bestValue = value
                    best = j
                }
            }
            taken[best] = true
            out.append(candidates[best])
            for j in candidates.indices where !taken[j] {
                redundancy[j] = max(redundancy[j], similarity(candidates[best].item, candidates[j].item))
            }
        }
        return out
    }

    /// Overlap of two label sets (|A ∩ B| / |A ∪ B|); 0 when either is empty.
    package static func jaccard(_ a: [String], _ b: [String]) -> Float {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        let sa = Set(a)
        let sb = Set(b)
        return Float(sa.intersection(sb).count) / Float(sa.union(sb).count)
    }
}
