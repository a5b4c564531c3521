/// Learns a ``StackedRecommender``'s combiner on held-out interactions.
///
/// For every held-out user, the candidates are the union of each component's top
/// ``Configuration/candidatesPerComponent`` unseen items; each candidate is one example whose
/// features are the components' normalised scores and the item's popularity, labelled 1 when the
/// item is among the user's held-out items. The combiner is fitted on those examples under log
/// loss. ``crossValidatedNDCG(components:seen:truth:users:popularity:configuration:threads:)``
/// measures it on users it was not fitted on, so that the choice between stacking and a linear
/// blend is not made on the data the combiner memorised.
package enum StackingTrainer {
    package struct Configuration: Sendable, Equatable {
        package var candidatesPerComponent: Int
        package var combiner: FactorizationMachine.Configuration
        package var k: Int

        package init(
            candidatesPerComponent: Int = 50,
            combiner: FactorizationMachine.Configuration = .init(
                factors: 4, learningRate: 0.02, regularization: 0.001, linearRegularization: 0.0001, iterations: 20,
                initialStandardDeviation: 0.01, loss: .logistic, seed: 42),
            k: Int = 10
        ) {
            self.candidatesPerComponent = candidatesPerComponent
            self.combiner = combiner
            self.k = k
        }
    }

    /// Fits the combiner on `users`.
    /// - Throws: `AttuneMLError.invalidArgument` when the users have no held-out item among the
    ///   candidates (nothing to learn from), and as ``FactorizationMachine`` fitting does.
    package static func fit(
        components: [any Recommender], seen: SparseMatrix, truth: [[Int32]], users: [Int], popularity: [Float],
        configuration: Configuration = .init(), threads: Int = 1
    ) throws -> StackedRecommender {
        let m = components.count + 1
        let (examples, labels) = self.examples(
            components: components, seen: seen, truth: truth, users: users, popularity: popularity,
            configuration: configuration, threads: threads)
        guard labels.contains(1) else {
            throw AttuneMLError.invalidArgument("no held-out item is among the components' candidates")
        }
        let combiner = try FactorizationMachine.fit(
            examples: examples, labels: labels, featureCount: m, configuration: configuration.combiner, threads: 1)
        return try StackedRecommender(components: components, combiner: combiner, popularity: popularity)
    }

    /// NDCG@k of stacking with two-fold cross-fitting: the combiner fitted on half the users ranks
    /// the other half, and the other way round; the result averages over all `users`.
    package static func crossValidatedNDCG(
        components: [any Recommender], seen: SparseMatrix, truth: [[Int32]], users: [Int], popularity: [Float],
        configuration: Configuration = .init(), threads: Int = 1
    ) throws -> Double {
        let halves = HybridWeightSearch.crossFittingHalves(users)
        var total = 0.0
        for (fitOn, judgeOn) in [(halves[0], halves[1]), (halves[1], halves[0])] where !judgeOn.isEmpty {
            let model = try fit(
                components: components, seen: seen, truth: truth, users: fitOn, popularity: popularity,
                configuration: configuration, threads: threads)
            let recs = recommend(model, users: judgeOn, seen: seen, k: configuration.k, threads: threads)
            let report = RankingMetrics.evaluate(
                recommendations: recs, truth: truth, users: judgeOn, catalogSize: popularity.count, k: configuration.k)
            total += report.ndcg * Double(judgeOn.count)
        }
        return users.isEmpty ? 0 : total / Double(users.count)
    }

    static func recommend(_ model: StackedRecommender, users: [Int], seen: SparseMatrix, k: Int, threads: Int) -> [[Int32]] {
        var recs = [[Int32]](repeating: [], count: seen.rowCount)
        let lists = ParallelRange.map(count: users.count, threads: threads) { position in
            let u = users[position]
            return model.recommend(user: u, history: Array(seen.columns(ofRow: u)), values: Array(seen.values(ofRow: u)), k: k)
        }
        for (position, u) in users.enumerated() { recs[u] = lists[position] }
        return recs
    }

    /// Examples (dense rows of `components + 1` features) and their labels.
    static func examples(
        components: [any Recommender], seen: SparseMatrix, truth: [[Int32]], users: [Int], popularity: [Float],
        configuration: Configuration, threads: Int
    ) -> (FeatureRows, [Float]) {
        let n = popularity.count
        let m = components.count + 1
        let perUser = ParallelRange.map(count: users.count, threads: threads) { position -> ([Float], [Float]) in
            let u = users[position]
            let history = Array(seen.columns(ofRow: u))
            let values = Array(seen.values(ofRow: u))
            var features = [Float](repeating: 0, count: m * n)
            var candidates = Set<Int32>()
            var selector = TopKSelector(k: configuration.candidatesPerComponent)
            history.withUnsafeBufferPointer { h in
                values.withUnsafeBufferPointer { v in
                    features.withUnsafeMutableBufferPointer { f in
                        for (c, model) in components.enumerated() {
                            let row = UnsafeMutableBufferPointer(rebasing: f[(c * n)..<((c + 1) * n)])
                            StackedRecommender.features(model, user: u, history: h, values: v, into: row)
                            candidates.formUnion(selector.select(scores: Array(row), excluding: history))
                        }
                    }
                }
            }
            let positives = Set(truth[u])
            var rows: [Float] = []
            var labels: [Float] = []
            for i in candidates.sorted() {
                for c in 0..<(m - 1) { rows.append(features[c * n + Int(i)]) }
                rows.append(popularity[Int(i)])
                labels.append(positives.contains(i) ? 1 : 0)
            }
            return (rows, labels)
        }
        var offsets = [0]
        var indices: [Int32] = []
        var values: [Float] = []
        var labels: [Float] = []
        for (rows, userLabels) in perUser {
            values += rows
            for _ in userLabels {
                indices += (0..<Int32(m)).map { $0 }
                offsets.append(indices.count)
            }
            labels += userLabels
        }
        return (try! FeatureRows(offsets: offsets, indices: indices, values: values), labels)
    }
}
