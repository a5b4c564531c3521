import AttuneCore
import AttuneML
import AttuneStore
import Logging
import ServiceLifecycle

/// Keeps the served factor model in step with the catalogue between trainings: an item deleted
/// or made unavailable leaves the retrieval index (a tombstone: it stops costing search work and
/// is never returned by the factor path), an item available again comes back, and an item the
/// model has no factors for (added after training) gets a vector borrowed from its content
/// neighbours — the similarity-weighted mean of the factors of its ``neighbours`` most similar
/// trained items by catalogue text and imported embedding (``ContentNeighbourhood``) — and is
/// inserted without a rebuild, so the factor path can recommend it before it has any
/// interaction. An item with neither text nor an embedding gets no vector.
///
/// The service is the only writer of catalogue changes. A write through the API only queues the
/// ids it wrote (``itemsChanged(_:in:)``, no I/O, no index work, so the request does not wait);
/// the service drains the queue every `drainInterval`, so N writes in that time cost one copy of
/// the index. It also sweeps a workspace whose served version changed within `interval`, and one
/// whose catalogue changed otherwise (an import by another process) within
/// `catalogueSweepInterval`: a sweep reads the whole catalogue, so a busy catalogue must not cost
/// one every few seconds. Content and index work runs off the cooperative thread pool.
///
/// A change is computed against the served value, the stored rows it read are read again just
/// before the swap (an entry whose row changed meanwhile is dropped and queued again, so a delete
/// racing a sweep is never undone by it), and it replaces the served value only if that is still
/// the same load and revision (``ModelRegistry/replace(_:ifStill:in:)``). With one writer the
/// swap only loses to a promotion, a reload or an online update: the change is then discarded on
/// purpose, and the next sweep (or drain, for queued ids) computes it against the new value.
package final class LiveCatalogue: Service, Sendable {
    let registry: ModelRegistry
    let store: any CatalogStore & TextStore & EmbeddingStore
    let interval: Duration
    let catalogueSweepInterval: Duration
    let drainInterval: Duration
    let logger: Logger
    /// Runs between computing a change and checking its rows again: tests use it to write
    /// while a change is in flight.
    let beforeRecheck: (@Sendable (WorkspaceID) async throws -> Void)?
    /// Trained items a new item's vector is averaged from.
    package static let neighbours = 10
    /// Ids written through the API since the last drain.
    private let pending = Locked<[WorkspaceID: Set<ItemID>]>([:])
    private let content = Locked<[WorkspaceID: (version: Int, neighbourhood: ContentNeighbourhood?)]>([:])
    /// New items already found to have no content neighbour in a version, by their update time:
    /// not looked at again until they change.
    private let unmatched = Locked<[WorkspaceID: (version: Int, items: [ItemID: Timestamp])]>([:])
    /// The model load, catalogue version and time each workspace was last swept at.
    private let swept = Locked<[WorkspaceID: (generation: UInt64, catalogue: [Int64], at: ContinuousClock.Instant)]>([:])
    /// Consecutive failed sweeps per workspace, and when the next may run.
    private let failures = Locked<[WorkspaceID: (count: Int, retryAt: ContinuousClock.Instant)]>([:])

    package init(
        registry: ModelRegistry, store: any CatalogStore & TextStore & EmbeddingStore, interval: Duration = .seconds(5),
        catalogueSweepInterval: Duration = .seconds(60), drainInterval: Duration = .milliseconds(250), logger: Logger,
        beforeRecheck: (@Sendable (WorkspaceID) async throws -> Void)? = nil
    ) {
        self.registry = registry
        self.store = store
        self.interval = interval
        self.catalogueSweepInterval = catalogueSweepInterval
        self.drainInterval = drainInterval
        self.logger = logger
        self.beforeRecheck = beforeRecheck
    }

    package func run() async throws {
        var lastSweep: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = ContinuousClock.now
            let sweeping = lastSweep.map { now - $0 >= interval } ?? true
            if sweeping { lastSweep = now }
            for workspace in Set(registry.servedWorkspaces()).union(pending.withLock { Array($0.keys) }) {
                if let failed = failures.withLock({ $0[workspace] }), failed.retryAt > now { continue }
                do {
                    try await drain(workspace)
                    if sweeping { try await sweepIfMoved(workspace) }
                    failures.withLock { _ = $0.removeValue(forKey: workspace) }
                } catch {
                    backOff(workspace, after: error)
                }
            }
            do {
                try await cancelWhenGracefulShutdown { [drainInterval] in try await Task.sleep(for: drainInterval) }
            } catch {
                return
            }
        }
    }

    /// Waits twice as long after each consecutive failure (a locked or broken store), up to five
    /// minutes, so a failing workspace neither floods the log nor keeps the store busy.
    private func backOff(_ workspace: WorkspaceID, after error: any Error) {
        let count = failures.withLock { all in
            let count = (all[workspace]?.count ?? 0) + 1
            let delay = min(interval * (1 << min(count - 1, 16)), .seconds(300))
            all[workspace] = (count, ContinuousClock.now + delay)
            return count
        }
        logger.warning(
            "catalogue sweep failed",
            metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error)),
                       "failures": .stringConvertible(count)])
    }

    /// Queues the items a catalogue write changed; the service applies them within
    /// `drainInterval`. Cheap enough for a request handler.
    package func itemsChanged(_ ids: [ItemID], in workspace: WorkspaceID) {
        guard !ids.isEmpty else { return }
        pending.withLock { $0[workspace, default: []].formUnion(ids) }
    }

    /// Applies the queued ids of `workspace` to its served model. Ids of a change that lost its
    /// swap to a reload of the same version, or whose rows changed while it was computed, are
    /// queued again; after a failure all of them are.
    @discardableResult
    package func drain(_ workspace: WorkspaceID) async throws -> (change: CatalogueChange, applied: Bool) {
        guard let ids = pending.withLock({ $0.removeValue(forKey: workspace) }), !ids.isEmpty else {
            return (CatalogueChange(), false)
        }
        guard let model = registry.model(for: workspace), model.cold != nil else { return (CatalogueChange(), false) }
        do {
            let sorted = ids.sorted()
            let stored = try await store.items(sorted, in: workspace)
            let result = try await reconcile(sorted.map { ($0, stored[$0]) }, model: model, in: workspace)
            if !result.applied && !result.change.isEmpty && registry.model(for: workspace)?.version == model.version {
                itemsChanged(result.change.keys.map(ItemID.init(unchecked:)), in: workspace)
            }
            return result
        } catch {
            itemsChanged(Array(ids), in: workspace)
            throw error
        }
    }

    /// Sweeps `workspace` when its served model was loaded since the last sweep, or its catalogue
    /// changed and the last sweep is at least `catalogueSweepInterval` old.
    package func sweepIfMoved(_ workspace: WorkspaceID) async throws {
        guard let model = registry.model(for: workspace), model.cold != nil else { return }
        let catalogue = try await store.catalogVersion(in: workspace)
        let now = ContinuousClock.now
        if let last = swept.withLock({ $0[workspace] }), last.generation == model.generation {
            guard last.catalogue != catalogue, now - last.at >= catalogueSweepInterval else { return }
        }
        let (_, applied) = try await sweep(workspace)
        // A change that lost its swap is redone by the sweep of the value that won.
        if applied || registry.model(for: workspace)?.generation == model.generation {
            let generation = registry.model(for: workspace)?.generation ?? model.generation
            swept.withLock { $0[workspace] = (generation, catalogue, now) }
        }
    }

    /// Reconciles the served model with the whole catalogue of `workspace`.
    /// - Complexity: one pass over the catalogue, plus the content work of each new item.
    @discardableResult
    package func sweep(_ workspace: WorkspaceID) async throws -> (change: CatalogueChange, applied: Bool) {
        guard let model = registry.model(for: workspace), model.cold != nil else { return (CatalogueChange(), false) }
        let items = try await store.allItems(in: workspace)
        return try await reconcile(items.map { ($0.id, $0) }, model: model, in: workspace)
    }

    /// Computes the change `entries` (ids with their stored rows) make to `model`, and swaps it in.
    private func reconcile(_ entries: [(ItemID, Item?)], model: ServingModel, in workspace: WorkspaceID) async throws
        -> (change: CatalogueChange, applied: Bool)
    {
        var change = CatalogueChange()
        var fresh: [Item] = []
        let tried = unmatched.withLock { $0[workspace] }.flatMap { $0.version == model.version ? $0.items : nil } ?? [:]
        for (id, item) in entries {
            let live = item?.available ?? false
            if let label = model.itemLabel(of: id.rawValue) {
                if !live && !model.isWithdrawn(label) { change.withdrawn.append(id.rawValue) }
                if live && model.isWithdrawn(label) { change.restored.append(id.rawValue) }
                // A new item whose text changed borrows its vector again.
                if let item, live, !model.isWithdrawn(label), let hash = model.cold?.contentHash(of: label),
                    hash != Self.contentHash(of: item), tried[id] != item.updatedAt
                {
                    fresh.append(item)
                }
            } else if let item, live, tried[id] != item.updatedAt {
                fresh.append(item)
            }
        }
        if !fresh.isEmpty, let neighbourhood = try await neighbourhood(of: model, in: workspace) {
            let embeddings = neighbourhood.embeddingDimension > 0 ? try await store.embeddings(fresh.map(\.id), in: workspace) : [:]
            let candidates = fresh
            let borrowed = try await ModelTraining.offTheCooperativePool {
                neighbourhood.neighbours(of: candidates.map { (CatalogText.text(of: $0), embeddings[$0.id]) }, k: Self.neighbours)
                    .map { ContentNeighbourhood.borrowedVector(from: $0, vector: model.retrievalVector(of:)) }
            }
            var none: [ItemID: Timestamp] = [:]
            for (item, found) in zip(fresh, borrowed) {
                if let (vector, anchor) = found {
                    change.added.append((item.id.rawValue, vector, anchor))
                    change.contentHashes[item.id.rawValue] = Self.contentHash(of: item)
                } else {
                    none[item.id] = item.updatedAt
                }
            }
            if !none.isEmpty {
                unmatched.withLock { all in
                    if all[workspace]?.version != model.version { all[workspace] = (model.version, [:]) }
                    all[workspace]!.items.merge(none) { $1 }
                }
            }
        }
        guard !change.isEmpty else { return (change, false) }
        try await beforeRecheck?(workspace)
        change = try await droppingRewritten(change, read: entries, in: workspace)
        guard !change.isEmpty else { return (change, false) }
        let toApply = change
        let next = try await ModelTraining.offTheCooperativePool { model.applying(toApply) }
        guard registry.replace(next, ifStill: model, in: workspace) else {
            logger.debug(
                "catalogue change discarded: the served model was replaced while it was computed",
                metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(model.version)])
            return (change, false)
        }
        logger.info(
            "served model follows the catalogue",
            metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(model.version),
                       "items.added": .stringConvertible(change.added.count),
                       "items.withdrawn": .stringConvertible(change.withdrawn.count),
                       "items.restored": .stringConvertible(change.restored.count)])
        return (change, true)
    }

    /// What a new item's vector is borrowed from, as a hash: its catalogue text (this process only).
    static func contentHash(of item: Item) -> Int {
        var hasher = Hasher()
        hasher.combine(item.title)
        hasher.combine(item.description)
        hasher.combine(item.categories)
        hasher.combine(item.tags)
        return hasher.finalize()
    }

    /// `change` without the entries whose stored row is no longer the one it was computed from
    /// (written meanwhile: available flipped or updated); their ids are queued again, so the next
    /// drain applies their newest state.
    private func droppingRewritten(_ change: CatalogueChange, read entries: [(ItemID, Item?)], in workspace: WorkspaceID)
        async throws -> CatalogueChange
    {
        let named = Set(change.keys)
        let ids = entries.lazy.map(\.0).filter { named.contains($0.rawValue) }
        let now = try await store.items(Array(ids), in: workspace)
        var rewritten = Set<String>()
        for (id, read) in entries where named.contains(id.rawValue) {
            let current = now[id]
            if current?.available != read?.available || current?.updatedAt != read?.updatedAt { rewritten.insert(id.rawValue) }
        }
        guard !rewritten.isEmpty else { return change }
        itemsChanged(rewritten.map(ItemID.init(unchecked:)), in: workspace)
        return change.removing(rewritten)
    }

    /// The content neighbourhood of `model`'s trained items, built once per version (only the
    /// service computes changes, so one build at a time), off the cooperative pool.
    private func neighbourhood(of model: ServingModel, in workspace: WorkspaceID) async throws -> ContentNeighbourhood? {
        if let cached = content.withLock({ $0[workspace] }), cached.version == model.version { return cached.neighbourhood }
        let (texts, _) = try await CatalogText.texts(for: model.snapshot.items, from: store, workspace: workspace)
        let embeddings = try await ItemContent.embeddings(for: model.snapshot.items, from: store, workspace: workspace)
        let built = try await ModelTraining.offTheCooperativePool { ContentNeighbourhood(texts: texts, embeddings: embeddings) }
        content.withLock { $0[workspace] = (model.version, built) }
        return built
    }
}
