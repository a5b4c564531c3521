/// A trained model that scores every item for one user.
///
/// Indices are dense (`Vocabulary`); a user's history is the sorted row of the training matrix.
/// Higher score means more recommended.
package protocol Recommender: Sendable {
    /// The number of items the model scores.
    var itemCount: Int { get }

    /// Writes one score per item into `scores` (count == `itemCount`).
    ///
    /// - Parameters:
    ///   - user: the dense user index the model was trained with, or `nil` for a user it has not
    ///     seen (models that need a user vector fold the history in, or fall back).
    ///   - history: the user's items (sorted ascending) and their values.
    func score(user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
               into scores: UnsafeMutableBufferPointer<Float>)

    /// Top-`k` items for every row of `seen`, never an item in that row.
    /// Models with a faster batch path (factor models) implement it; others get a default.
    func recommendAll(seen: SparseMatrix, k: Int, threads: Int) -> [[Int32]]
}

extension Recommender {
    /// Top-`k` items for one user, skipping `history`.
    package func recommend(user: Int?, history: [Int32], values: [Float]? = nil, k: Int) -> [Int32] {
        let sortedHistory = history.sorted()
        let vals = values ?? [Float](repeating: 1, count: history.count)
        var scores = [Float](repeating: 0, count: itemCount)
        sortedHistory.withUnsafeBufferPointer { h in
            vals.withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer { s in score(user: user, history: h, values: v, into: s) }
            }
        }
        var selector = TopKSelector(k: k)
        return selector.select(scores: scores, excluding: sortedHistory)
    }

    /// The default batch path: score each user on its own, in parallel over contiguous user chunks.
    /// - Complexity: `rows` calls of ``score(user:history:values:into:)`` plus O(items log k) each.
    package func recommendAll(seen: SparseMatrix, k: Int, threads: Int) -> [[Int32]] {
        RecommendAll.run(userCount: seen.rowCount, itemCount: itemCount, seen: seen, k: k, threads: threads) {
            user, history, values, scores in
            self.score(user: user, history: history, values: values, into: scores)
        }
    }
}

/// The shared driver behind every `recommendAll`.
package enum RecommendAll {
    /// Fills a score vector per user with `fill`, then keeps the top `k` unseen items.
    package static func run(
        userCount: Int, itemCount: Int, seen: SparseMatrix, k: Int, threads: Int,
        fill: @escaping @Sendable (Int, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>,
                                   UnsafeMutableBufferPointer<Float>) -> Void
    ) -> [[Int32]] {
        precondition(seen.rowCount == userCount, "one seen row per user")
        if userCount == 0 || k <= 0 { return [[Int32]](repeating: [], count: userCount) }
        var flat = [Int32](repeating: -1, count: userCount * k)
        var counts = [Int](repeating: 0, count: userCount)
        flat.withUnsafeMutableBufferPointer { out in
            counts.withUnsafeMutableBufferPointer { cnt in
                let outP = SharedMutablePointer(out.baseAddress!)
                let cntP = SharedMutablePointer(cnt.baseAddress!)
                ParallelRange.forEachChunk(count: userCount, threads: threads) { _, range in
                    var scores = [Float](repeating: 0, count: itemCount)
                    var selector = TopKSelector(k: k)
                    seen.columnIndices.withUnsafeBufferPointer { cols in
                        seen.values.withUnsafeBufferPointer { vals in
                            scores.withUnsafeMutableBufferPointer { s in
                                for u in range {
                                    let lo = seen.rowOffsets[u], hi = seen.rowOffsets[u + 1]
                                    let h = UnsafeBufferPointer(rebasing: cols[lo..<hi])
                                    let v = UnsafeBufferPointer(rebasing: vals[lo..<hi])
                                    fill(u, h, v, s)
                                    let o = UnsafeMutableBufferPointer(start: outP.base + u * k, count: k)
                                    cntP.base[u] = selector.select(scores: UnsafeBufferPointer(s), excluding: h, into: o)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (0..<userCount).map { u in Array(flat[(u * k)..<(u * k + counts[u])]) }
    }
}
