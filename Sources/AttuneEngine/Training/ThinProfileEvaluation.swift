import AttuneCore
import AttuneML
import Foundation

/// Measures how a thin profile should be served: users held out of training are served from
/// their first n interactions (folded into implicit ALS, as serving does for a user the model has
/// not seen), with the personal list blended with the popularity list at several weights, and
/// scored on the interactions that followed.
///
/// The blend is by rank: `score = w × (1 − rank_personal / L) + (1 − w) × (1 − rank_popular / L)`
/// over each list's top L, the form ``ConfidenceBlend`` serves with. Each history length is
/// reported with the behaviour part of ``ProfileCompleteness`` of that history, so the measured
/// best weight can be stated as a function of the score.
package struct ThinProfileEvaluation: Sendable {
    package struct Cell: Sendable, Equatable {
        package var historyLength: Int
        package var users: Int
        /// Mean behaviour completeness of the histories.
        package var behaviour: Double
        /// The fixed weight of the personal list; `nil` for the served rule
        /// (``ConfidenceBlend/personalWeight(behaviour:)`` of each user's own score).
        package var personalWeight: Double?
        package var ndcg: Double
        package var hitRate: Double
    }

    package var seed: UInt64 = 42
    package var testShare = 0.2
    package var lengths = [1, 2, 3, 5, 10, 20, 50]
    package var weights = [0, 0.25, 0.5, 0.75, 0.9, 1]
    package var threads = 1
    package var cutoff = 10

    package init() {}

    package func run(log: InteractionLog) throws -> [Cell] {
        let (sequences, times) = try log.chronologicalSequencesWithTimes()
        var rng = SeededGenerator(seed: seed)
        let order = Array(0..<log.users.count).shuffled(using: &rng)
        let testUsers = Array(order.prefix(Int(Double(order.count) * testShare)))
        let testSet = Set(testUsers)
        var rows: [Int32] = []
        var columns: [Int32] = []
        var popularity = [Int](repeating: 0, count: log.items.count)
        for (user, items) in sequences.enumerated() where !testSet.contains(user) {
            for item in items {
                rows.append(Int32(user))
                columns.append(item)
                popularity[Int(item)] += 1
            }
        }
        let matrix = try SparseMatrix(rowCount: log.users.count, columnCount: log.items.count, rows: rows, columns: columns)
        let als = try ImplicitALS.fit(interactions: matrix, configuration: .init(seed: seed), threads: threads)
        let popular = popularity.indices.sorted { popularity[$0] != popularity[$1] ? popularity[$0] > popularity[$1] : $0 < $1 }
            .map { Int32($0) }
        var cells: [Cell] = []
        for n in lengths {
            // The fixed weights, then the rule.
            var ndcg = [Double](repeating: 0, count: weights.count + 1)
            var hits = [Double](repeating: 0, count: weights.count + 1)
            var behaviour = 0.0
            var users = 0
            for user in testUsers where sequences[user].count > n {
                let history = Array(sequences[user].prefix(n))
                let truth = Set(sequences[user].dropFirst(n))
                var traits = ProfileTraits()
                for t in times[user].prefix(n) { traits.apply(type: "rate", sessionID: nil, value: nil, timestamp: t * 1000) }
                let now = Timestamp(millisecondsSinceEpoch: times[user][n - 1] * 1000)
                let own = ProfileCompleteness(declaredNames: [], traits: traits, now: now).behaviour
                behaviour += own
                users += 1
                let vector = als.foldIn(items: history)
                var scores = [Float](repeating: 0, count: log.items.count)
                als.itemFactors.values.withUnsafeBufferPointer { factors in
                    vector.withUnsafeBufferPointer { u in
                        for item in 0..<log.items.count {
                            scores[item] = VectorKernels.dot(factors.baseAddress! + item * vector.count, u.baseAddress!, count: vector.count)
                        }
                    }
                }
                let excluded = history.sorted()
                var selector = TopKSelector(k: ConfidenceBlend.depth)
                let personal = selector.select(scores: scores, excluding: excluded)
                let seen = Set(history)
                let popularList = popular.lazy.filter { !seen.contains($0) }.prefix(ConfidenceBlend.depth).map { $0 }
                for (w, weight) in (weights + [ConfidenceBlend.personalWeight(behaviour: own)]).enumerated() {
                    let list = ConfidenceBlend.fuse(
                        personal: personal, popular: Array(popularList), personalWeight: weight, count: cutoff)
                    var dcg = 0.0
                    var hit = false
                    for (rank, item) in list.enumerated() where truth.contains(item) {
                        dcg += 1 / Foundation.log2(Double(rank) + 2)
                        hit = true
                    }
                    var ideal = 0.0
                    for rank in 0..<min(cutoff, truth.count) { ideal += 1 / Foundation.log2(Double(rank) + 2) }
                    ndcg[w] += dcg / ideal
                    if hit { hits[w] += 1 }
                }
            }
            guard users > 0 else { continue }
            for (w, weight) in (weights.map { Optional($0) } + [nil]).enumerated() {
                cells.append(Cell(
                    historyLength: n, users: users, behaviour: behaviour / Double(users), personalWeight: weight,
                    ndcg: ndcg[w] / Double(users), hitRate: hits[w] / Double(users)))
            }
        }
        return cells
    }
}
