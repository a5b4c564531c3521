import AttuneCore
import AttuneML

/// One loaded snapshot, ready to answer requests: immutable, shared by all requests, replaced
/// whole when a newer version is promoted.
package struct ServingModel: Sendable {
    package private(set) var snapshot: ModelSnapshot
    package let similarity: ItemSimilarity
    /// Items by training popularity, best first (the fallback for users without history).
    package let popular: [Int32]
    package let audience: Audience
    /// Approximate top-k over item factors for factor models on large catalogues.
    package internal(set) var retrieval: FactorRetrieval?
    /// How the index was obtained: `nil` without one, else "loaded" or why it was rebuilt.
    package let indexSource: String?
    /// Items added to the catalogue since training, with vectors from their content neighbours.
    package internal(set) var cold: ColdItems?
    /// Items the catalogue withdrew (deleted or unavailable) since the model was loaded: out of
    /// the index and never returned by the factor path. Sorted.
    package internal(set) var withdrawn: [Int32] = []
    /// Counts live catalogue changes applied to this version, so that two writers never both
    /// replace the same served value (``ModelRegistry/replace(_:ifStill:in:)``).
    package internal(set) var revision = 0
    /// Distinguishes loads (a promotion, a pin or unpin back to the same version, an online
    /// update): a catalogue change computed against one load is never swapped into another.
    package let generation: UInt64
    private static let loads = Locked<UInt64>(0)
    /// Exact pruned top-k for factor models on catalogues without an index.
    package let scan: FactorScan?

    /// Whether `popular` leads with the time-decayed trending list saved at training.
    package let trending: Bool
    /// The half of the items with the fewest training interactions, fewest first: where the model
    /// knows least, and so where exploration slots learn most.
    package let uncertain: [Int32]

    /// - Parameters:
    ///   - storedIndex: the index saved with the snapshot; rebuilt when it is not usable and the
    ///     catalogue has at least `retrievalMinimumItems` items.
    package init(
        snapshot: ModelSnapshot, storedIndex: ModelFiles.StoredIndex = .none,
        retrievalMinimumItems: Int = FactorRetrieval.minimumItems
    ) {
        self.snapshot = snapshot
        generation = Self.loads.withLock { count in
            count += 1
            return count
        }
        // One transposition of the training matrix serves both item similarity and audiences.
        let usersByItem = snapshot.seen.transposed()
        similarity = ItemSimilarity(snapshot: snapshot, usersByItem: usersByItem)
        // Trending first (decayed with a week's half-life at training), then all-time counts.
        var order: [Int32] = []
        if case .array(let ids)? = snapshot.metadata["trending"] {
            order = ids.compactMap { $0.stringValue.flatMap(snapshot.items.index(of:)) }
        }
        trending = !order.isEmpty
        let listed = Set(order)
        let allTime = snapshot.popularItems()
        popular = order + allTime.filter { !listed.contains($0) }
        uncertain = Array(allTime.suffix(allTime.count / 2).reversed())
        audience = Audience(snapshot: snapshot, usersByItem: usersByItem)
        let model = snapshot.model.model
        switch storedIndex {
        case .loaded(let index):
            retrieval = FactorRetrieval(model, index: index)
            indexSource = retrieval == nil ? nil : "loaded"
        case .unusable(let reason):
            retrieval = FactorRetrieval(model, minimumItems: retrievalMinimumItems)
            indexSource = retrieval == nil ? nil : "rebuilt: \(reason)"
        case .none:
            retrieval = FactorRetrieval(model, minimumItems: retrievalMinimumItems)
            indexSource = retrieval == nil ? nil : "rebuilt: no index saved with the snapshot"
        }
        scan = retrieval == nil ? FactorScan(model) : nil
        let factorDimension = similarity.factorDimension
        cold = FactorRetrieval.dimension(of: model).map {
            ColdItems(firstLabel: Int32(snapshot.items.count), dimension: $0, factorDimension: factorDimension)
        }
    }

    package var version: Int { snapshot.version }

    /// The same model with another user vocabulary of the same size (erased users replaced by
    /// placeholders): everything derived from the snapshot is by index, so nothing else changes.
    package func replacingUsers(_ users: Vocabulary<String>) -> ServingModel {
        precondition(users.count == snapshot.users.count, "a user vocabulary swap must keep every index")
        var copy = self
        copy.snapshot.users = users
        return copy
    }

    /// Scored candidates for a user, best first, skipping `excluded` (dense indices, sorted).
    /// Returns `nil` when the model cannot personalise (unknown user and no usable history).
    package func personalised(user: String, extraHistory: [Int32], count: Int) -> [(item: Int32, score: Float)]? {
        let known = snapshot.users.index(of: user)
        let trained = known.map { Array(snapshot.seen.columns(ofRow: Int($0))) } ?? []
        let history = Array(Set(trained + extraHistory)).sorted()
        return personalised(known: known, history: history, hasNewActivity: history.count > trained.count, count: count)
    }

    /// ``personalised(user:extraHistory:count:)`` for a history already resolved against this model.
    func personalised(_ resolved: ResolvedHistory, count: Int) -> [(item: Int32, score: Float)]? {
        personalised(known: resolved.userIndex, history: resolved.folded, hasNewActivity: resolved.hasNewActivity, count: count)
    }

    /// - Parameters:
    ///   - known: the user's row, if the model was trained on them.
    ///   - history: the trained row and the recent items, distinct and sorted.
    ///   - hasNewActivity: whether `history` holds items the trained row lacks.
    private func personalised(known: Int32?, history: [Int32], hasNewActivity: Bool, count: Int)
        -> [(item: Int32, score: Float)]?
    {
        guard !history.isEmpty else { return nil }
        // A user the model has not seen is scored from their history alone (fold-in for factor
        // models, neighbours for item-kNN); popularity cannot personalise.
        if snapshot.family == .popular { return nil }
        // A pure factor model would ignore activity since training behind the user's stored vector;
        // folding the whole history in instead makes a new event count at once. Models that read
        // the history themselves (neighbours, content, sequences, blends of them) keep the index.
        let foldsIn = hasNewActivity && [.als, .bpr].contains(snapshot.family)
        let userIndex = foldsIn ? nil : known.map(Int.init)
        if let retrieval, let found = retrieval.candidates(user: userIndex, history: history, count: count) {
            return found
        }
        if let scan {
            let excluded = withdrawn.isEmpty ? history : Self.sortedUnion(history, withdrawn)
            let trained = min(count, snapshot.items.count)
            guard let cold, !cold.isEmpty else {
                return scan.candidates(user: userIndex, history: history, excluding: excluded, count: trained)
            }
            let query = scan.queryVector(user: userIndex, history: history)
            let found = scan.candidates(query: query, excluding: excluded, count: trained)
            return Self.merging(cold: cold, withdrawn: withdrawn, query: query, into: found, count: count)
        }
        var scores = [Float](repeating: 0, count: snapshot.items.count)
        let values = [Float](repeating: 1, count: history.count)
        history.withUnsafeBufferPointer { h in
            values.withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer { s in
                    snapshot.model.recommender.score(user: userIndex, history: h, values: v, into: s)
                }
            }
        }
        var selector = TopKSelector(k: min(count, snapshot.items.count))
        return selector.select(scores: scores, excluding: history).map { ($0, scores[Int($0)]) }
    }

    /// For each of `items`, the history item most similar to it, for a "similar to X" reason.
    package func closestHistoryItems(to items: [Int32], history: [Int32]) -> [Int32?] {
        similarity.closest(to: items, among: history)
    }
}
