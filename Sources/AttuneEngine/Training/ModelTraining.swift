import AttuneCore
import AttuneML
import AttuneStore
import Dispatch

/// `attune train`: reads a workspace's events, tunes and fits a model, saves a snapshot.
package struct ModelTraining: Sendable {
    let store: any EventStore & CatalogStore & EmbeddingStore & IdentityStore & PersonalDataStore & ConsentStore
    let files: ModelFiles
    let clock: any WallClock
    let publisher: (any ModelPublisher)?

    /// - Parameters:
    ///   - store: the events, and the item text and vectors the content model uses.
    ///   - publisher: where the saved version is published (PostgreSQL), which then numbers it;
    ///     `nil` when the data directory is shared (SQLite).
    package init(
        store: any EventStore & CatalogStore & EmbeddingStore & IdentityStore & PersonalDataStore & ConsentStore, files: ModelFiles,
        clock: any WallClock, publisher: (any ModelPublisher)? = nil
    ) {
        self.store = store
        self.files = files
        self.clock = clock
        self.publisher = publisher
    }

    package func run(
        workspace: WorkspaceID, family: ModelFamily, tuner: ModelTuner, weights: EventWeights = EventWeights()
    ) async throws -> ModelSnapshot {
        let erased = try await store.erasedUserDigests(in: workspace)
        let consent = try await store.consentSnapshot(in: workspace)
        let log = try await InteractionLog.load(
            from: store, workspace: workspace, weights: weights, erased: erased, consent: consent)
        guard log.count > 0 else {
            throw AttuneError.invalid("events", "the workspace has no events with both a userId and an itemId to train on")
        }
        let content = try await ItemContent.load(for: log, from: store, workspace: workspace)
        let side = try await SideFeatures.load(for: log, from: store, workspace: workspace)
        let storedEvents = try await (store as? any WorkspaceStore)?.stats(of: workspace).events
        // Minutes of numeric work: on a thread of its own, not one of the few that serve requests,
        // stopped within an epoch or a candidate when this task is cancelled.
        let (model, summary) = try await Self.stoppableOffTheCooperativePool {
            try tuner.train(log, family: family, content: content, side: side)
        }
        try Task.checkCancellation()
        let seen = try SparseMatrix(rowLists: try log.chronologicalSequences().map { $0.sorted() }, columnCount: log.items.count)
        var metadata: [(key: String, value: JSONValue)] = [
            ("family", .string(model.family.rawValue)),
            ("requested", .string(family.rawValue)),
            ("parameters", summary.parameters),
            ("interactions", .number(Double(log.count))),
            ("users", .number(Double(log.users.count))),
            ("items", .number(Double(log.items.count))),
            ("dataFrom", .string(Timestamp(millisecondsSinceEpoch: (log.timestamps.min() ?? 0) * 1000).iso8601)),
            ("dataTo", .string(Timestamp(millisecondsSinceEpoch: (log.timestamps.max() ?? 0) * 1000).iso8601)),
            ("storedEvents", storedEvents.map { .number(Double($0)) } ?? .null),
            ("candidatesTried", .number(Double(summary.candidatesTried))),
            ("validationUsers", .number(Double(summary.validationUsers))),
            ("tuningSeconds", .number((summary.tuningSeconds * 1000).rounded() / 1000)),
            ("trainingSeconds", .number((summary.trainingSeconds * 1000).rounded() / 1000)),
        ]
        metadata.append(("trending", .array(try Self.trending(log).map(JSONValue.string))))
        if let v = summary.validation {
            metadata.append(("validation", .object([
                ("ndcg@10", .number(v.ndcg)), ("precision@10", .number(v.precision)), ("recall@10", .number(v.recall)),
                ("map@10", .number(v.meanAveragePrecision)), ("hitRate@10", .number(v.hitRate)), ("coverage", .number(v.coverage)),
            ])))
        }
        // Cancelled (a leader shutting down or whose term ended): nothing is numbered, saved or published.
        try Task.checkCancellation()
        // Reserved in the database when published there: trainers on other machines never pick the same.
        let version = try await publisher?.reserveVersion(in: workspace, atLeast: files.nextVersion(in: workspace))
            ?? files.nextVersion(in: workspace)
        var snapshot = ModelSnapshot(
            version: version, workspace: workspace, createdAt: clock.now(),
            metadata: .object(metadata), users: log.users, items: log.items, seen: seen, model: model)
        // A person erased while the model trained must not be saved in it.
        let erasedSince = try await store.erasedUserDigests(in: workspace).subtracting(erased)
        if !erasedSince.isEmpty {
            var late = ErasedUserFilter(digests: erasedSince)
            if let redacted = snapshot.redactingUsers(where: { late.isErased($0) }) { snapshot = redacted }
        }
        // Nor a person who withdrew personalization consent meanwhile.
        let consentNow = try await store.consentSnapshot(in: workspace)
        if let redacted = snapshot.redactingUsers(where: { !consentNow.permits(.personalization, for: $0) }) {
            snapshot = redacted
        }
        // The retrieval index of a large factor model is built here: minutes of work, off the pool too.
        let toSave = snapshot
        let files = self.files
        let saved = try await Self.offTheCooperativePool { try files.save(toSave) }
        // Saving takes a while for a large model: a task cancelled meanwhile (its term over, perhaps
        // another process leading by now) takes the version back rather than sharing it.
        if Task.isCancelled {
            try? await Self.offTheCooperativePool { files.remove(version: saved.version, in: workspace) }
            throw CancellationError()
        }
        guard let publisher else { return saved }
        do {
            try await publisher.publish(version: saved.version, in: workspace, from: files)
        } catch {
            // Not kept where only this process sees it: a version is served everywhere or nowhere.
            // Had the publication committed after all, the model channel copies it back.
            try? await Self.offTheCooperativePool { files.remove(version: saved.version, in: workspace) }
            throw error
        }
        // An erasure committed after the check above and before the publication may have listed
        // the published versions without this one: read again, so that one of the two redacts it
        // (an erasure lists the versions after its commit; this reads after the publication).
        let missed = try await store.erasedUserDigests(in: workspace).subtracting(erased).subtracting(erasedSince)
        if !missed.isEmpty {
            _ = try await Self.offTheCooperativePool { try files.redact(erased: missed, in: workspace) }
            try await publisher.redact(erased: missed, in: workspace)
        }
        return saved
    }
}

extension ModelTraining {
    /// Half-life of the trending list that answers users without history: a week.
    static let trendingHalfLife: Double = 7 * 86_400
    static let trendingCount = 500

    /// The items with the most time-decayed interactions (each counts `0.5^(age / a week)`, age
    /// from the newest event), best first: what users the model cannot personalise for are shown.
    package static func trending(_ log: InteractionLog) throws -> [String] {
        let popularity = try PopularityModel.fit(
            items: log.itemIndices, timestamps: log.timestamps, itemCount: log.items.count, now: log.timestamps.max() ?? 0,
            configuration: .init(halfLife: trendingHalfLife))
        var selector = TopKSelector(k: min(trendingCount, log.items.count))
        return selector.select(scores: popularity.itemScores).compactMap { log.items.key(at: $0) }
    }

    /// ``offTheCooperativePool(_:)`` for a training: cancelling the calling task raises the
    /// ``TrainingStop`` bound to the thread, which the fits read once per epoch or candidate.
    /// - Throws: `CancellationError` when the task was cancelled, whatever `work` returned.
    package static func stoppableOffTheCooperativePool<T: Sendable>(
        _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let stop = TrainingStop()
        let result = try await withTaskCancellationHandler {
            try await offTheCooperativePool { try TrainingStop.run(stop) { try work() } }
        } onCancel: {
            stop.request()
        }
        if stop.isRequested { throw CancellationError() }
        return result
    }

    package static func offTheCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

/// Recommendations from a snapshot, with the documented fallback: a user the model has not seen
/// (or who has no history) gets the most popular items of the training data.
package struct SnapshotRecommender: Sendable {
    package let snapshot: ModelSnapshot
    private let popularity: [Int32]

    package init(snapshot: ModelSnapshot) {
        self.snapshot = snapshot
        popularity = snapshot.popularItems()
    }

    /// Top `count` item ids for `user` (never one the user already has), and whether the popular
    /// fallback answered.
    package func recommend(user: String, count: Int) -> (items: [String], fallback: Bool) {
        guard let u = snapshot.users.index(of: user), !snapshot.seen.columns(ofRow: Int(u)).isEmpty else {
            return (popularity.prefix(count).compactMap { snapshot.items.key(at: $0) }, true)
        }
        let history = Array(snapshot.seen.columns(ofRow: Int(u)))
        let ids = snapshot.model.recommender.recommend(user: Int(u), history: history, k: count)
        return (ids.compactMap { snapshot.items.key(at: $0) }, false)
    }

    /// Top `count` for every user, in user order.
    package func recommendAll(count: Int, threads: Int) -> [(user: String, items: [String])] {
        let lists = snapshot.model.recommender.recommendAll(seen: snapshot.seen, k: count, threads: threads)
        return lists.enumerated().compactMap { u, list in
            guard let user = snapshot.users.key(at: Int32(u)), !ModelSnapshot.isErasedPlaceholder(user) else { return nil }
            return (user, list.compactMap { snapshot.items.key(at: $0) })
        }
    }
}
