@testable import AttuneML

/// Shared fixtures with a known right answer.
enum Fixtures {
    /// Two disjoint communities: users `0..<half` only touch items `0..<half`, the rest only the
    /// rest. Each user has `perUser` of the `half` items in their community, in a pattern that
    /// leaves every item with several users and every user several unseen community items.
    static func twoCommunities(half: Int = 10, perUser: Int = 6) -> SparseMatrix {
        var lists: [[Int32]] = []
        for u in 0..<(2 * half) {
            let base = u < half ? 0 : half
            let local = u % half
            var items: [Int32] = []
            for k in 0..<perUser { items.append(Int32(base + (local + k * 3) % half)) }
            lists.append(items)
        }
        return try! SparseMatrix(rowLists: lists, columnCount: 2 * half)
    }

    /// The community (0 or 1) of an index in the fixture above.
    static func community(_ index: Int, half: Int = 10) -> Int { index < half ? 0 : 1 }

    /// Deterministic pseudo-random floats in [-1, 1).
    static func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in g.nextUnitFloat() * 2 - 1 }
    }
}

/// Checks every recommender must pass, written once.
enum RecommenderChecks {
    /// No user is ever recommended one of their training items, and lists are full when possible.
    static func neverRecommendsSeen(_ model: some Recommender, seen: SparseMatrix, k: Int) -> Bool {
        let all = model.recommendAll(seen: seen, k: k, threads: 2)
        for u in 0..<seen.rowCount {
            let history = Set(seen.columns(ofRow: u))
            if all[u].contains(where: history.contains) { return false }
            if all[u].count != min(k, seen.columnCount - history.count) { return false }
            if Set(all[u]).count != all[u].count { return false }
        }
        return true
    }

    /// Every recommended item lies in the user's own community.
    static func staysInCommunity(_ model: some Recommender, seen: SparseMatrix, k: Int, half: Int = 10) -> Bool {
        let all = model.recommendAll(seen: seen, k: k, threads: 2)
        for u in 0..<seen.rowCount {
            let c = Fixtures.community(u, half: half)
            if all[u].contains(where: { Fixtures.community(Int($0), half: half) != c }) { return false }
        }
        return true
    }

    /// All item scores of every user, through the single-user path.
    static func allScores(_ model: some Recommender, seen: SparseMatrix) -> [[Float]] {
        (0..<seen.rowCount).map { u in
            var s = [Float](repeating: 0, count: model.itemCount)
            let h = Array(seen.columns(ofRow: u))
            let v = Array(seen.values(ofRow: u))
            h.withUnsafeBufferPointer { hp in
                v.withUnsafeBufferPointer { vp in
                    s.withUnsafeMutableBufferPointer { sp in model.score(user: u, history: hp, values: vp, into: sp) }
                }
            }
            return s
        }
    }

    /// The batch path agrees with the single-user path (same top-k as a full sort of its scores).
    static func batchMatchesSingle(_ model: some Recommender, seen: SparseMatrix, k: Int) -> Bool {
        let batch = model.recommendAll(seen: seen, k: k, threads: 2)
        let scores = allScores(model, seen: seen)
        for u in 0..<seen.rowCount {
            let expected = TopKSelector.selectBySorting(scores: scores[u], k: k, excluding: Set(seen.columns(ofRow: u)))
            // Blocked products may differ in the last bit, so compare by score, not by index order.
            let got = batch[u].map { scores[u][Int($0)] }
            let want = expected.map { scores[u][Int($0)] }
            for (a, b) in zip(got, want) where abs(a - b) > 1e-4 * max(1, abs(b)) { return false }
            if got.count != want.count { return false }
        }
        return true
    }
}
