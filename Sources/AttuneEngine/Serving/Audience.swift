import AttuneML

/// The users most likely to want one item, for campaigns: `GET /v1/items/{id}/audience`.
///
/// With user and item factors (ALS, BPR, or such a component of a hybrid) a user's affinity is
/// `uᵤ · vᵢ` over every user. Otherwise it is the summed similarity of the item's nearest
/// neighbours among the items each user has (the item-kNN score, turned around), found through the
/// item → users index. Users who already have the item are never in the audience.
package struct Audience: Sendable {
    private enum Source: Sendable {
        case factors(users: DenseMatrix, items: DenseMatrix)
        case neighbours
    }

    private let source: Source
    /// items x users: who has each item.
    private let usersByItem: SparseMatrix
    static let neighbourCount = 50

    /// - Parameter usersByItem: `snapshot.seen` transposed (shared with ``ItemSimilarity``).
    package init(snapshot: ModelSnapshot, usersByItem: SparseMatrix) {
        self.usersByItem = usersByItem
        let factors: (DenseMatrix, DenseMatrix)? = snapshot.model.components.lazy.compactMap { model -> (DenseMatrix, DenseMatrix)? in
            if let als = model as? ImplicitALS { return (als.userFactors, als.itemFactors) }
            if let bpr = model as? BPR { return (bpr.userFactors, bpr.itemFactors) }
            return nil
        }.first
        if let (users, items) = factors, users.rowCount == snapshot.users.count {
            source = .factors(users: users, items: items)
        } else {
            source = .neighbours
        }
    }

    /// Top `count` users for `item` (dense indices), best first, with their affinity.
    package func users(for item: Int32, count: Int, similarity: ItemSimilarity) -> [(user: Int32, score: Float)] {
        let userCount = usersByItem.columnCount
        guard item >= 0, Int(item) < usersByItem.rowCount, count > 0, userCount > 0 else { return [] }
        var scores = [Float](repeating: 0, count: userCount)
        switch source {
        case .factors(let users, let items):
            let d = users.columnCount
            items.values.withUnsafeBufferPointer { v in
                users.values.withUnsafeBufferPointer { u in
                    let target = v.baseAddress! + Int(item) * d
                    for row in 0..<userCount {
                        scores[row] = VectorKernels.dot(u.baseAddress! + row * d, target, count: d)
                    }
                }
            }
        case .neighbours:
            for (neighbour, weight) in similarity.similar(to: item, count: Self.neighbourCount) where weight > 0 {
                for user in usersByItem.columns(ofRow: Int(neighbour)) { scores[Int(user)] += weight }
            }
            // Users with no similar item have no affinity: leave them out rather than rank them by index.
            for row in 0..<userCount where scores[row] == 0 { scores[row] = -.infinity }
        }
        let owners = Array(usersByItem.columns(ofRow: Int(item)))
        var selector = TopKSelector(k: min(count, userCount))
        return selector.select(scores: scores, excluding: owners)
            .filter { scores[Int($0)].isFinite }
            .map { ($0, scores[Int($0)]) }
    }
}
