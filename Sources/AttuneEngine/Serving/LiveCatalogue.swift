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
/// Work happens once per change, never per request: the catalogue API reports the items it
/// wrote (``itemsChanged(_:in:)``); and, as a service, a workspace whose served version changed is
/// swept whole within `interval`, and one whose catalogue changed otherwise (an import by another
/// process) within `catalogueSweepInterval`: writes through the API are already applied, and a
/// sweep reads the whole catalogue, so a busy catalogue must not cost one every few seconds.
/// Changes go to a copy of the served model that replaces it only if nothing else replaced it
/// meanwhile (``ModelRegistry/replace(_:ifStill:in:)``), so requests always read one whole value.
package final class LiveCatalogue: Service, Sendable {
    let registry: ModelRegistry
    let store: any CatalogStore & TextStore & EmbeddingStore
    let interval: Duration
    let catalogueSweepInterval: Duration
    let logger: Logger
    /// Trained items a new item's vector is averaged from.
    package static let neighbours = 10
    private let content = Locked<[WorkspaceID: (version: Int, neighbourhood: ContentNeighbourhood?)]>([:])
    /// The model version, catalogue version and time each workspace was last swept at.
    private let swept = Locked<[WorkspaceID: (version: Int, catalogue: [Int64], at: ContinuousClock.Instant)]>([:])

    package init(
        registry: ModelRegistry, store: any CatalogStore & TextStore & EmbeddingStore, interval: Duration = .seconds(5),
        catalogueSweepInterval: Duration = .seconds(60), logger: Logger
    ) {
        self.registry = registry
        self.store = store
        self.interval = interval
        self.catalogueSweepInterval = catalogueSweepInterval
        self.logger = logger
    }

    package func run() async throws {
        let interval = self.interval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for workspace in registry.servedWorkspaces() {
                do {
                    try await sweepIfMoved(workspace)
                } catch {
                    logger.warning(
                        "catalogue sweep failed",
                        metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error))])
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    /// Sweeps `workspace` when its served version changed since the last sweep, or its catalogue
    /// did and the last sweep is at least `catalogueSweepInterval` old.
    package func sweepIfMoved(_ workspace: WorkspaceID) async throws {
        guard let model = registry.model(for: workspace), model.cold != nil else { return }
        let catalogue = try await store.catalogVersion(in: workspace)
        let now = ContinuousClock.now
        if let last = swept.withLock({ $0[workspace] }), last.version == model.version {
            guard last.catalogue != catalogue, now - last.at >= catalogueSweepInterval else { return }
        }
        try await sweep(workspace)
        swept.withLock { $0[workspace] = (model.version, catalogue, now) }
    }

    /// Reconciles the served model with the whole catalogue of `workspace`.
    /// - Complexity: one pass over the catalogue, plus the content work of each new item.
    @discardableResult
    package func sweep(_ workspace: WorkspaceID) async throws -> CatalogueChange {
        guard let model = registry.model(for: workspace), model.cold != nil else { return CatalogueChange() }
        var items: [Item] = []
        var cursor: ItemID?
        while true {
            let page = try await store.items(in: workspace, after: cursor, limit: 1_000)
            items.append(contentsOf: page)
            guard let last = page.last, page.count == 1_000 else { break }
            cursor = last.id
        }
        let change = try await reconcile(items.map { ($0.id, $0) }, model: model, in: workspace)
        if !change.isEmpty {
            logger.info(
                "served model caught up with the catalogue",
                metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(model.version),
                           "items.added": .stringConvertible(change.added.count),
                           "items.withdrawn": .stringConvertible(change.withdrawn.count),
                           "items.restored": .stringConvertible(change.restored.count)])
        }
        return change
    }

    /// Reconciles the served model with the catalogue's current entries for `ids` (after a write).
    @discardableResult
    package func itemsChanged(_ ids: [ItemID], in workspace: WorkspaceID) async throws -> CatalogueChange {
        guard let model = registry.model(for: workspace), model.cold != nil, !ids.isEmpty else { return CatalogueChange() }
        let stored = try await store.items(ids, in: workspace)
        return try await reconcile(ids.map { ($0, stored[$0]) }, model: model, in: workspace)
    }

    private func reconcile(_ entries: [(ItemID, Item?)], model: ServingModel, in workspace: WorkspaceID) async throws
        -> CatalogueChange
    {
        var change = CatalogueChange()
        var fresh: [Item] = []
        for (id, item) in entries {
            let live = item?.available ?? false
            if let label = model.itemLabel(of: id.rawValue) {
                if !live && !model.isWithdrawn(label) { change.withdrawn.append(label) }
                if live && model.isWithdrawn(label) { change.restored.append(label) }
            } else if let item, live {
                fresh.append(item)
            }
        }
        if !fresh.isEmpty, let neighbourhood = try await neighbourhood(of: model, in: workspace) {
            let embeddings = neighbourhood.embeddingDimension > 0 ? try await store.embeddings(fresh.map(\.id), in: workspace) : [:]
            for item in fresh {
                let found = neighbourhood.neighbours(of: CatalogText.text(of: item), embedding: embeddings[item.id], k: Self.neighbours)
                guard let (vector, anchor) = ContentNeighbourhood.borrowedVector(from: found, vector: model.retrievalVector(of:))
                else { continue }
                change.added.append((item.id.rawValue, vector, anchor))
            }
        }
        guard !change.isEmpty else { return change }
        // Another writer may have replaced the served value meanwhile: apply again to the new one.
        for _ in 0..<8 {
            guard let base = registry.model(for: workspace), base.version == model.version else { return change }
            if registry.replace(base.applying(change), ifStill: base, in: workspace) {
                // Once per write through the API: debug, so a busy catalogue does not flood the log.
                logger.debug(
                    "served model follows the catalogue",
                    metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(model.version),
                               "items.added": .stringConvertible(change.added.count),
                               "items.withdrawn": .stringConvertible(change.withdrawn.count),
                               "items.restored": .stringConvertible(change.restored.count)])
                return change
            }
        }
        return change
    }

    /// The content neighbourhood of `model`'s trained items, built on first use per version.
    private func neighbourhood(of model: ServingModel, in workspace: WorkspaceID) async throws -> ContentNeighbourhood? {
        if let cached = content.withLock({ $0[workspace] }), cached.version == model.version { return cached.neighbourhood }
        let (texts, _) = try await CatalogText.texts(for: model.snapshot.items, from: store, workspace: workspace)
        let embeddings = try await ItemContent.embeddings(for: model.snapshot.items, from: store, workspace: workspace)
        let built = ContentNeighbourhood(texts: texts, embeddings: embeddings)
        content.withLock { $0[workspace] = (model.version, built) }
        return built
    }
}
