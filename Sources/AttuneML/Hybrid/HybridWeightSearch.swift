/// Learns a ``HybridRecommender``'s weights on held-out interactions by coordinate ascent.
///
/// Starting from the best single component (weight 1, others 0), each round tries every grid
/// value for one component's weight at a time, the others fixed, and keeps a change only when
/// NDCG@k on the held-out items rises; rounds stop when none does. This is the cyclic coordinate
/// search used to tune linear rank fusions (Metzler & Croft, "Linear feature-based models for
/// information retrieval", Information Retrieval 10(3), 2007). Each component is scored and
/// normalised once per user up front, so a trial costs only the blend and a top-k.
package enum HybridWeightSearch {
    /// Search settings.
    package struct Configuration: Sendable, Equatable {
        /// Candidate weights per component (finite, >= 0); relative to the starting weight 1.
        package var grid: [Float]
        /// Maximum passes over the components (>= 1).
        package var rounds: Int
        /// The NDCG cut-off (> 0).
        package var k: Int
        package var normalization: HybridRecommender.Normalization

        package init(
            grid: [Float] = [0, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2], rounds: Int = 3, k: Int = 10,
            normalization: HybridRecommender.Normalization = .minMax
        ) {
            self.grid = grid
            self.rounds = rounds
            self.k = k
            self.normalization = normalization
        }
    }

    /// The chosen weights and what they scored.
    package struct Result: Sendable, Equatable {
        package var weights: [Float]
        /// NDCG@k of the chosen weights on the held-out items.
        package var ndcg: Double
        /// NDCG@k of each component alone.
        package var singleNDCG: [Double]
        /// Weight vectors tried.
        package var evaluations: Int
    }

    /// Finds blend weights for `components` that maximise NDCG@k of `truth`.
    ///
    /// - Parameters:
    ///   - components: models trained without the held-out items.
    ///   - seen: users x items the models were trained on; never recommended.
    ///   - truth: per user (row of `seen`), the held-out items.
    ///   - users: the users to average over (e.g. those with a training history).
    ///   - configuration: see ``Configuration``.
    ///   - threads: workers over contiguous user ranges; the result does not depend on it.
    /// - Throws: `AttuneMLError.invalidArgument` on an empty component list or a bad configuration,
    ///   `AttuneMLError.dimensionMismatch` on shapes that disagree, `AttuneMLError.indexOutOfRange`
    ///   on a user outside `seen`.
    /// - Complexity: O(components · users · score cost) once, then O(users · items · components)
    ///   per trial, at most `1 + rounds · components · grid` trials; memory
    ///   O(components · users · items) floats for the cached scores (sample users on large catalogues).
    package static func learnWeights(
        components: [any Recommender], seen: SparseMatrix, truth: [[Int32]], users: [Int],
        configuration: Configuration = .init(), threads: Int = 1
    ) throws -> Result {
        guard !components.isEmpty else { throw AttuneMLError.invalidArgument("no components to blend") }
        guard !configuration.grid.isEmpty, configuration.grid.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw AttuneMLError.invalidArgument("grid must be non-empty, finite and non-negative")
        }
        guard configuration.rounds >= 1 else { throw AttuneMLError.invalidArgument("rounds must be at least 1") }
        guard configuration.k > 0 else { throw AttuneMLError.invalidArgument("k must be positive") }
        let n = components[0].itemCount
        guard components.allSatisfy({ $0.itemCount == n }), seen.columnCount == n else {
            throw AttuneMLError.dimensionMismatch("components and seen matrix disagree on the catalogue")
        }
        guard truth.count == seen.rowCount else {
            throw AttuneMLError.dimensionMismatch("\(truth.count) truth rows for \(seen.rowCount) users")
        }
        for u in users where u < 0 || u >= seen.rowCount {
            throw AttuneMLError.indexOutOfRange("user \(u) of \(seen.rowCount)")
        }
        let cache = try ScoreCache(
            components: components, seen: seen, users: users,
            normalization: configuration.normalization, threads: threads)
        var evaluations = 0
        func evaluate(_ w: [Float]) -> Double {
            evaluations += 1
            let recs = cache.recommend(weights: w, seen: seen, k: configuration.k, threads: threads)
            return RankingMetrics.evaluate(
                recommendations: recs, truth: truth, users: users, catalogSize: n,
                k: configuration.k
            ).ndcg
        }
        let c = components.count
        var single: [Double] = []
        for j in 0..<c {
            var w = [Float](repeating: 0, count: c)
            w[j] = 1
            single.append(evaluate(w))
        }
        // Ties go to the earlier component, so the order of `components` is the tie-break.
        let start = single.indices.max { single[$0] < single[$1] || (single[$0] == single[$1] && $0 > $1) }!
        var weights = [Float](repeating: 0, count: c)
        weights[start] = 1
        var best = single[start]
        for _ in 0..<configuration.rounds where !TrainingStop.requested {
            var improved = false
            for j in 0..<c {
                for g in configuration.grid where g != weights[j] {
                    var trial = weights
                    trial[j] = g
                    guard trial.contains(where: { $0 > 0 }) else { continue }
                    let score = evaluate(trial)
                    if score > best {
                        best = score
                        weights = trial
                        improved = true
                    }
                }
            }
            if !improved { break }
        }
        return Result(weights: weights, ndcg: best, singleNDCG: single, evaluations: evaluations)
    }

    /// NDCG@k of the learned blend with two-fold cross-fitting (weights learned on half the users
    /// rank the other half, and the other way round), comparable with
    /// ``StackingTrainer/crossValidatedNDCG(components:seen:truth:users:popularity:configuration:threads:)``.
    /// - Throws: as ``learnWeights(components:seen:truth:users:configuration:threads:)``.
    package static func crossValidatedNDCG(
        components: [any Recommender], seen: SparseMatrix, truth: [[Int32]], users: [Int],
        configuration: Configuration = .init(), threads: Int = 1
    ) throws -> Double {
        let halves = crossFittingHalves(users)
        var total = 0.0
        for (fitOn, judgeOn) in [(halves[0], halves[1]), (halves[1], halves[0])] where !judgeOn.isEmpty && !fitOn.isEmpty {
            let learned = try learnWeights(
                components: components, seen: seen, truth: truth, users: fitOn, configuration: configuration,
                threads: threads)
            let cache = try ScoreCache(
                components: components, seen: seen, users: judgeOn, normalization: configuration.normalization,
                threads: threads)
            let recs = cache.recommend(weights: learned.weights, seen: seen, k: configuration.k, threads: threads)
            total += RankingMetrics.evaluate(
                recommendations: recs, truth: truth, users: judgeOn, catalogSize: seen.columnCount, k: configuration.k
            ).ndcg * Double(judgeOn.count)
        }
        return users.isEmpty ? 0 : total / Double(users.count)
    }

    /// The two folds both cross-fitted comparisons use (alternate users), so that the blend and
    /// the stacked combiner are judged on the same split.
    package static func crossFittingHalves(_ users: [Int]) -> [[Int]] {
        [users.enumerated().filter { $0.offset % 2 == 0 }.map(\.element),
         users.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)]
    }

    /// Every component's normalised scores for the evaluated users, `components x users x items`.
    private struct ScoreCache {
        let scores: [Float]
        let users: [Int]
        let componentCount: Int
        let itemCount: Int

        init(
            components: [any Recommender], seen: SparseMatrix, users: [Int],
            normalization: HybridRecommender.Normalization, threads: Int
        ) throws {
            let n = components[0].itemCount
            let (total, overflow) = components.count.multipliedReportingOverflow(by: users.count * n)
            guard !overflow else { throw AttuneMLError.invalidArgument("score cache too large; sample fewer users") }
            var flat = [Float](repeating: 0, count: total)
            let userList = users
            flat.withUnsafeMutableBufferPointer { out in
                let outP = SharedMutablePointer(out.baseAddress!)
                for (c, model) in components.enumerated() {
                    ParallelRange.forEachChunk(count: userList.count, threads: threads) { _, range in
                        seen.columnIndices.withUnsafeBufferPointer { cols in
                            seen.values.withUnsafeBufferPointer { vals in
                                for position in range {
                                    let u = userList[position]
                                    let lo = seen.rowOffsets[u]
                                    let hi = seen.rowOffsets[u + 1]
                                    let history = UnsafeBufferPointer(rebasing: cols[lo..<hi])
                                    let row = UnsafeMutableBufferPointer(
                                        start: outP.base + (c * userList.count + position) * n, count: n)
                                    model.score(
                                        user: u, history: history, values: UnsafeBufferPointer(rebasing: vals[lo..<hi]),
                                        into: row)
                                    HybridRecommender.normalize(row, excluding: history, normalization)
                                }
                            }
                        }
                    }
                }
            }
            scores = flat
            self.users = users
            componentCount = components.count
            itemCount = n
        }

        /// Top-`k` of the blend for every cached user; other rows of the result are empty.
        func recommend(weights: [Float], seen: SparseMatrix, k: Int, threads: Int) -> [[Int32]] {
            let n = itemCount
            let u = users.count
            var flat = [Int32](repeating: -1, count: u * k)
            var counts = [Int](repeating: 0, count: u)
            flat.withUnsafeMutableBufferPointer { out in
                counts.withUnsafeMutableBufferPointer { cnt in
                    let outP = SharedMutablePointer(out.baseAddress!)
                    let cntP = SharedMutablePointer(cnt.baseAddress!)
                    ParallelRange.forEachChunk(count: u, threads: threads) { _, range in
                        var blend = [Float](repeating: 0, count: n)
                        var selector = TopKSelector(k: k)
                        scores.withUnsafeBufferPointer { s in
                            seen.columnIndices.withUnsafeBufferPointer { cols in
                                blend.withUnsafeMutableBufferPointer { b in
                                    for position in range {
                                        b.update(repeating: 0)
                                        for c in 0..<componentCount where weights[c] > 0 {
                                            let w = weights[c]
                                            let row = s.baseAddress! + (c * u + position) * n
                                            for i in 0..<n { b[i] += w * row[i] }
                                        }
                                        let user = users[position]
                                        let ex = UnsafeBufferPointer(
                                            rebasing: cols[seen.rowOffsets[user]..<seen.rowOffsets[user + 1]])
                                        let o = UnsafeMutableBufferPointer(start: outP.base + position * k, count: k)
                                        cntP.base[position] = selector.select(
                                            scores: UnsafeBufferPointer(b), excluding: ex, into: o)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var recs = [[Int32]](repeating: [], count: seen.rowCount)
            for (position, user) in users.enumerated() {
                recs[user] = Array(flat[(position * k)..<(position * k + counts[position])])
            }
            return recs
        }
    }
}
