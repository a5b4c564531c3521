import AttuneML

/// What tuning found, saved with the model.
package struct TuningSummary: Sendable {
    package var chosen: ModelCandidate
    /// Validation metrics of the chosen candidate; `nil` when there was too little data to tune.
    package var validation: RankingReport?
    package var validationUsers: Int
    package var candidatesTried: Int
    package var candidatesSkippedByBudget: Int
    package var tuningSeconds: Double
    package var trainingSeconds: Double
}

/// Chooses hyper-parameters on a validation split carved from the training data the way the
/// evaluation protocol carves its test (each user's last `holdout` items), within a time budget,
/// then refits the winner on everything.
package struct ModelTuner: Sendable {
    package var holdout = 10
    package var timeBudget: Duration = .seconds(60)
    package var threads = 2
    package var quick = false
    /// Fewer validation users than this and tuning is skipped: the default candidate is used.
    package var minimumValidationUsers = 10

    package init() {}

    package func train(_ log: InteractionLog, family: ModelFamily) throws -> (TrainedRecommender, TuningSummary) {
        guard log.count > 0 else { throw AttuneMLError.invalidArgument("there are no interactions to train on") }
        let smaller = min(log.users.count, log.items.count)
        let candidates = ModelGrid.candidates(for: family, quick: quick, smallerDimension: smaller)
        let full = try log.matrix()
        let sequences = try log.chronologicalSequences()
        // Short histories (a few events per user) leave no one to validate on with the protocol's
        // ten held-out items; leave-last-one-out still ranks the candidates.
        var split = HoldoutSplit(sequences: sequences, holdout: holdout)
        var validationUsers = split.usersWithHistory.filter { !split.tail[$0].isEmpty }
        if validationUsers.count < minimumValidationUsers && holdout > 1 {
            split = HoldoutSplit(sequences: sequences, holdout: 1)
            validationUsers = split.usersWithHistory.filter { !split.tail[$0].isEmpty }
        }
        let clock = ContinuousClock()
        let tuningStart = clock.now
        var best: (ModelCandidate, RankingReport)?
        var tried = 0
        if validationUsers.count >= minimumValidationUsers && candidates.count > 1 {
            let subtrain = try Self.restrict(full, to: split.head)
            let seen = try split.trainingMatrix(itemCount: log.items.count)
            // Every family gets its first (most promising) candidate before the budget applies,
            // so `best` always compares all families.
            let order = Self.interleavedByFamily(candidates)
            for (position, candidate) in order.enumerated() {
                if position >= Set(candidates.map(\.family)).count, clock.now - tuningStart > timeBudget { break }
                let model = try candidate.fit(subtrain, threads)
                let recommendations = model.recommender.recommendAll(seen: seen, k: 10, threads: threads)
                let report = RankingMetrics.evaluate(
                    recommendations: recommendations, truth: split.tail, seen: split.head, users: validationUsers,
                    catalogSize: log.items.count, k: 10)
                tried += 1
                if best == nil || report.ndcg > best!.1.ndcg { best = (candidate, report) }
            }
        }
        let tuningSeconds = Self.seconds(clock.now - tuningStart)
        // Without validation, `best` falls back to item-kNN: the family least sensitive to
        // hyper-parameters on small data.
        let untuned = family == .best ? ModelGrid.candidates(for: .knn, quick: quick, smallerDimension: smaller)[0] : candidates[0]
        let chosen = best?.0 ?? untuned
        let trainStart = clock.now
        let model = try chosen.fit(full, threads)
        let summary = TuningSummary(
            chosen: chosen, validation: best?.1, validationUsers: validationUsers.count, candidatesTried: tried,
            candidatesSkippedByBudget: best == nil ? 0 : candidates.count - tried, tuningSeconds: tuningSeconds,
            trainingSeconds: Self.seconds(clock.now - trainStart))
        return (model, summary)
    }

    /// Candidates reordered round-robin across families (first of each family, then second, ...).
    static func interleavedByFamily(_ candidates: [ModelCandidate]) -> [ModelCandidate] {
        var queues: [ModelFamily: [ModelCandidate]] = [:]
        var order: [ModelFamily] = []
        for c in candidates {
            if queues[c.family] == nil { order.append(c.family) }
            queues[c.family, default: []].append(c)
        }
        var out: [ModelCandidate] = []
        var round = 0
        while out.count < candidates.count {
            for f in order where round < queues[f]!.count { out.append(queues[f]![round]) }
            round += 1
        }
        return out
    }

    /// The entries of `matrix` whose (row, column) appears in `rows[row]`.
    static func restrict(_ matrix: SparseMatrix, to rows: [[Int32]]) throws -> SparseMatrix {
        var r: [Int32] = []
        var c: [Int32] = []
        var v: [Float] = []
        for row in 0..<matrix.rowCount {
            let keep = Set(rows[row])
            if keep.isEmpty { continue }
            for (column, value) in zip(matrix.columns(ofRow: row), matrix.values(ofRow: row)) where keep.contains(column) {
                r.append(Int32(row))
                c.append(column)
                v.append(value)
            }
        }
        return try SparseMatrix(rowCount: matrix.rowCount, columnCount: matrix.columnCount, rows: r, columns: c, values: v)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
