import AttuneCore
import AttuneML

/// What tuning found, saved with the model.
package struct TuningSummary: Sendable {
    package var family: ModelFamily
    /// Hyper-parameters of the chosen model (for a hybrid: each component's and its weight).
    package var parameters: JSONValue
    package var label: String
    /// Validation metrics of the chosen model; `nil` when there was too little data to tune.
    package var validation: RankingReport?
    package var validationUsers: Int
    package var candidatesTried: Int
    package var tuningSeconds: Double
    package var trainingSeconds: Double
}

/// Chooses hyper-parameters on a validation split carved from the training data the way the
/// evaluation protocol carves its test (each user's last `holdout` items), within a time budget,
/// then refits the winner on everything. For `hybrid`, the best candidate of every family becomes
/// a component and the blend weights are learned on the same split (coordinate ascent); a stacked
/// combiner replaces the linear blend when its cross-fitted NDCG is higher.
package struct ModelTuner: Sendable {
    package var holdout = 10
    package var timeBudget: Duration = .seconds(60)
    package var threads = 2
    package var quick = false
    /// Fewer validation users than this and tuning is skipped: the default candidate is used.
    package var minimumValidationUsers = 10
    /// Whether `hybrid` also tries a stacked combiner (``StackedRecommender``) and keeps it when it
    /// beats the linear blend out of fold.
    package var stacking = true

    package init() {}

    private struct Scored {
        var candidate: ModelCandidate
        var model: any PersistableRecommender
        var report: RankingReport
    }

    package func train(
        _ log: InteractionLog, family: ModelFamily, content: ItemContent = ItemContent(), side: SideFeatures = SideFeatures()
    ) throws
        -> (TrainedRecommender, TuningSummary)
    {
        guard log.count > 0 else { throw AttuneMLError.invalidArgument("there are no interactions to train on") }
        let smaller = min(log.users.count, log.items.count)
        try content.check(itemCount: log.items.count)
        let candidates = ModelGrid.candidates(
            for: family, quick: quick, smallerDimension: smaller, content: content.availability, interactionCount: log.count)
        guard !candidates.isEmpty else {
            throw AttuneMLError.invalidArgument(
                "\(family.rawValue) needs item text or embeddings: import a catalogue with titles or categories, "
                    + "or item vectors with `attune import embeddings`")
        }
        let (sequences, times) = try log.chronologicalSequencesWithTimes()
        let full = TrainingInput(
            matrix: try log.matrix(), sequences: sequences, timestamps: times, content: content, side: side)
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
        var bestByFamily: [ModelFamily: Scored] = [:]
        var familyOrder: [ModelFamily] = []
        var tried = 0
        let canTune = validationUsers.count >= minimumValidationUsers && (candidates.count > 1 || family == .hybrid)
        var seen = try split.trainingMatrix(itemCount: log.items.count)
        if canTune {
            let subtrain = TrainingInput(
                matrix: try Self.restrict(full.matrix, to: split.head), sequences: split.head,
                timestamps: zip(split.head, times).map { Array($1.prefix($0.count)) }, content: content, side: side)
            seen = try split.trainingMatrix(itemCount: log.items.count)
            let order = Self.interleavedByFamily(candidates)
            let familyCount = Set(candidates.map(\.family)).count
            for (position, candidate) in order.enumerated() {
                // Every family gets its first (most promising) candidate before the budget applies.
                if position >= familyCount, clock.now - tuningStart > timeBudget { break }
                let model = try candidate.fit(subtrain, threads)
                // A fit asked to stop returns early; its model is not judged.
                try TrainingStop.check()
                let report = evaluate(model, seen: seen, split: split, users: validationUsers, itemCount: log.items.count)
                try TrainingStop.check()
                tried += 1
                if bestByFamily[candidate.family] == nil { familyOrder.append(candidate.family) }
                if bestByFamily[candidate.family].map({ report.ndcg > $0.report.ndcg }) ?? true {
                    bestByFamily[candidate.family] = Scored(candidate: candidate, model: model, report: report)
                }
            }
        }
        if family == .hybrid, bestByFamily.count >= 2 {
            return try trainHybrid(
                components: familyOrder.compactMap { bestByFamily[$0] }, full: full, seen: seen, split: split,
                validationUsers: validationUsers, itemCount: log.items.count, tried: tried, tuningStart: tuningStart)
        }
        let best = bestByFamily.values.max { $0.report.ndcg < $1.report.ndcg }
        // Without validation, `best` and `hybrid` fall back to item-kNN: the family least
        // sensitive to hyper-parameters on small data.
        let untuned = [.best, .hybrid].contains(family)
            ? ModelGrid.candidates(for: .knn, quick: quick, smallerDimension: smaller)[0] : candidates[0]
        let chosen = best?.candidate ?? untuned
        let tuningSeconds = ModelTuner.seconds(clock.now - tuningStart)
        let trainStart = clock.now
        let model = try chosen.fit(full, threads)
        try TrainingStop.check()
        let summary = TuningSummary(
            family: chosen.family, parameters: Self.parameters(chosen), label: chosen.label, validation: best?.report,
            validationUsers: validationUsers.count, candidatesTried: tried, tuningSeconds: tuningSeconds,
            trainingSeconds: ModelTuner.seconds(clock.now - trainStart))
        return (TrainedRecommender(family: chosen.family, model: model), summary)
    }

    private func trainHybrid(
        components: [Scored], full: TrainingInput, seen: SparseMatrix, split: HoldoutSplit, validationUsers: [Int],
        itemCount: Int, tried: Int, tuningStart: ContinuousClock.Instant
    ) throws -> (TrainedRecommender, TuningSummary) {
        let clock = ContinuousClock()
        let learned = try HybridWeightSearch.learnWeights(
            components: components.map(\.model), seen: seen, truth: split.tail, users: validationUsers, threads: threads)
        try TrainingStop.check()
        let validationBlend = try HybridRecommender(components: components.map(\.model), weights: learned.weights)
        let report = evaluate(validationBlend, seen: seen, split: split, users: validationUsers, itemCount: itemCount)
        var comparison = ""
        try TrainingStop.check()
        if stacking, validationUsers.count >= 2 * minimumValidationUsers {
            let popularity = StackedRecommender.popularityFeature(seen)
            // Both judged out of fold, on the same two halves of the validation users; a tie keeps the blend.
            let stackedNDCG = try? StackingTrainer.crossValidatedNDCG(
                components: components.map(\.model), seen: seen, truth: split.tail, users: validationUsers,
                popularity: popularity, threads: threads)
            let blendNDCG = try HybridWeightSearch.crossValidatedNDCG(
                components: components.map(\.model), seen: seen, truth: split.tail, users: validationUsers, threads: threads)
            try TrainingStop.check()
            comparison = " [out of fold: blend \(Self.rounded(blendNDCG)), stacked \(stackedNDCG.map(Self.rounded) ?? "failed")]"
            if let stackedNDCG, stackedNDCG > blendNDCG {
                return try trainStacked(
                    components: components, full: full, seen: seen, split: split, validationUsers: validationUsers,
                    itemCount: itemCount, tried: tried, tuningStart: tuningStart, crossValidatedNDCG: stackedNDCG,
                    comparison: comparison)
            }
        }
        let tuningSeconds = ModelTuner.seconds(clock.now - tuningStart)
        let trainStart = clock.now
        // Components with weight zero add nothing; they are left out of the served blend.
        let kept = zip(components, learned.weights).filter { $0.1 > 0 }
        let refitted = try kept.map { kept in
            try TrainingStop.check()
            return try kept.0.candidate.fit(full, threads)
        }
        try TrainingStop.check()
        let hybrid = try HybridRecommender(components: refitted, weights: kept.map(\.1))
        let parameters = JSONValue.object(zip(components, learned.weights).map { scored, weight in
            (scored.candidate.family.rawValue, .object([("weight", .number(decimal(weight))), ("parameters", Self.parameters(scored.candidate))]))
        })
        let label = "hybrid(" + kept.map { "\($0.0.candidate.family.rawValue)×\(formatParameter(decimal($0.1)))" }.joined(separator: ", ") + ")"
            + comparison
        let summary = TuningSummary(
            family: .hybrid, parameters: parameters, label: label, validation: report,
            validationUsers: validationUsers.count, candidatesTried: tried, tuningSeconds: tuningSeconds,
            trainingSeconds: ModelTuner.seconds(clock.now - trainStart))
        return (TrainedRecommender(family: .hybrid, model: hybrid), summary)
    }

    private func trainStacked(
        components: [Scored], full: TrainingInput, seen: SparseMatrix, split: HoldoutSplit, validationUsers: [Int],
        itemCount: Int, tried: Int, tuningStart: ContinuousClock.Instant, crossValidatedNDCG: Double, comparison: String
    ) throws -> (TrainedRecommender, TuningSummary) {
        let clock = ContinuousClock()
        let validationModel = try StackingTrainer.fit(
            components: components.map(\.model), seen: seen, truth: split.tail, users: validationUsers,
            popularity: StackedRecommender.popularityFeature(seen), threads: threads)
        var report = evaluate(validationModel, seen: seen, split: split, users: validationUsers, itemCount: itemCount)
        // What the choice was made on, not the combiner's score on the users it was fitted to.
        report.ndcg = crossValidatedNDCG
        let tuningSeconds = ModelTuner.seconds(clock.now - tuningStart)
        let trainStart = clock.now
        try TrainingStop.check()
        let refitted = try components.map { component in
            try TrainingStop.check()
            return try component.candidate.fit(full, threads)
        }
        try TrainingStop.check()
        let stacked = try StackedRecommender(
            components: refitted, combiner: validationModel.combiner,
            popularity: StackedRecommender.popularityFeature(full.matrix))
        let parameters = JSONValue.object([
            ("combiner", .string("factorisation machine, log loss, over z-scored component scores and popularity")),
            ("components", .object(components.map { ($0.candidate.family.rawValue, Self.parameters($0.candidate)) })),
        ])
        let label = "hybrid(stacked: " + components.map(\.candidate.family.rawValue).joined(separator: ", ") + ")" + comparison
        let summary = TuningSummary(
            family: .hybrid, parameters: parameters, label: label, validation: report,
            validationUsers: validationUsers.count, candidatesTried: tried, tuningSeconds: tuningSeconds,
            trainingSeconds: ModelTuner.seconds(clock.now - trainStart))
        return (TrainedRecommender(family: .hybrid, model: stacked), summary)
    }

    private func evaluate(_ model: any Recommender, seen: SparseMatrix, split: HoldoutSplit, users: [Int], itemCount: Int)
        -> RankingReport
    {
        let recommendations = model.recommendAll(seen: seen, k: 10, threads: threads)
        return RankingMetrics.evaluate(
            recommendations: recommendations, truth: split.tail, seen: split.head, users: users, catalogSize: itemCount, k: 10)
    }

    static func rounded(_ x: Double) -> String { String((x * 10_000).rounded() / 10_000) }

    static func parameters(_ candidate: ModelCandidate) -> JSONValue {
        .object(candidate.parameters.map { ($0.0, .number($0.1)) })
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
