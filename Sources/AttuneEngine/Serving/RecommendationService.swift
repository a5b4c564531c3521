import AttuneCore
import AttuneML
import AttuneStore

/// One recommended item with its score and a short reason.
package struct Recommendation: Sendable, Equatable {
    package var item: ItemID
    package var score: Double
    package var reason: String
}

package struct RecommendationList: Sendable {
    package var items: [Recommendation]
    /// The model family that produced the list, or `popular` for the fallback.
    package var strategy: String
    package var modelVersion: Int?
}

/// Filters a request applies on top of the model.
package struct RecommendationRequest: Sendable {
    package var count = 10
    package var exclude: Set<ItemID> = []
    package var category: String?
    package var availableOnly = true

    package init() {}
}

/// Answers recommendation requests from the served model, the user's latest events and the
/// catalogue: known user with history → the model; a user the model has not seen but who has
/// recent events → scored from those events; anyone else → the most popular items.
/// Items already consumed, excluded, unavailable or outside the category are never returned.
package struct RecommendationService: Sendable {
    package static let maxCount = 100

    let registry: ModelRegistry
    let store: any AttuneStorage
    /// Recent events read per request so that new activity counts before the next training.
    let recentEvents = 200

    package init(registry: ModelRegistry, store: any AttuneStorage) {
        self.registry = registry
        self.store = store
    }

    package func recommend(user: UserID, in workspace: WorkspaceID, request: RecommendationRequest) async throws
        -> RecommendationList
    {
        guard let model = registry.model(for: workspace) else {
            return try await catalogueFallback(workspace: workspace, request: request)
        }
        let recent = try await recentItems(of: user, in: workspace)
        let recentIndices = recent.compactMap { model.snapshot.items.index(of: $0.rawValue) }
        var history = model.snapshot.users.index(of: user.rawValue)
            .map { Array(model.snapshot.seen.columns(ofRow: Int($0))) } ?? []
        history.append(contentsOf: recentIndices)
        var consumed = Set(history)
        var wanted = request.count
        // Over-fetch so that filters (availability, category, exclusions) still leave enough.
        while true {
            let fetch = min(model.snapshot.items.count, wanted * 3 + 20)
            let personal = model.personalised(user: user.rawValue, extraHistory: recentIndices, count: fetch)
            let strategy = personal == nil ? "popular" : model.snapshot.family.rawValue
            let candidates: [(item: Int32, score: Float)] =
                personal ?? model.popular.lazy.filter { !consumed.contains($0) }.prefix(fetch).enumerated().map {
                    ($0.element, Float(fetch - $0.offset) / Float(fetch))
                }
            let accepted = try await filter(candidates, model: model, workspace: workspace, request: request, consumed: &consumed)
            if accepted.count >= request.count || fetch >= model.snapshot.items.count {
                let chosen = Array(accepted.prefix(request.count))
                let anchors = chosen.map { strategy == "popular" ? nil : model.closestHistoryItem(to: $0.item, history: history) }
                let titles = try await self.titles(of: anchors.compactMap { $0 }, model: model, workspace: workspace)
                let items = zip(chosen, anchors).map { candidate, anchor -> Recommendation in
                    let id = ItemID(unchecked: model.snapshot.items.key(at: candidate.item) ?? "")
                    let reason: String
                    if strategy == "popular" {
                        reason = "popular"
                    } else if let anchor, let name = titles[anchor] {
                        reason = "similar to \(name) you interacted with"
                    } else {
                        reason = "recommended for you by \(strategy)"
                    }
                    return Recommendation(item: id, score: Double(candidate.score), reason: reason)
                }
                return RecommendationList(items: items, strategy: strategy, modelVersion: model.version)
            }
            wanted *= 4
        }
    }

    /// Items similar to `item` for product pages, filtered like recommendations.
    package func similar(to item: ItemID, in workspace: WorkspaceID, request: RecommendationRequest) async throws
        -> RecommendationList?
    {
        guard let model = registry.model(for: workspace), let index = model.snapshot.items.index(of: item.rawValue) else {
            return nil
        }
        var consumed: Set<Int32> = [index]
        let neighbours = model.similarity.similar(to: index, count: min(model.snapshot.items.count, request.count * 3 + 20))
        let accepted = try await filter(
            neighbours.map { ($0.item, $0.similarity) }, model: model, workspace: workspace, request: request, consumed: &consumed)
        let items = accepted.prefix(request.count).map {
            Recommendation(
                item: ItemID(unchecked: model.snapshot.items.key(at: $0.item) ?? ""), score: Double($0.score),
                reason: "often chosen together with \(item.rawValue)")
        }
        return RecommendationList(items: items, strategy: "similar-\(model.snapshot.family.rawValue)", modelVersion: model.version)
    }

    private func filter(
        _ candidates: [(item: Int32, score: Float)], model: ServingModel, workspace: WorkspaceID,
        request: RecommendationRequest, consumed: inout Set<Int32>
    ) async throws -> [(item: Int32, score: Float)] {
        let fresh = candidates.filter { !consumed.contains($0.item) }
        let ids = fresh.map { ItemID(unchecked: model.snapshot.items.key(at: $0.item) ?? "") }
        let needCatalogue = request.availableOnly || request.category != nil
        let catalogue = needCatalogue ? try await store.items(ids, in: workspace) : [:]
        var out: [(item: Int32, score: Float)] = []
        for (candidate, id) in zip(fresh, ids) {
            if request.exclude.contains(id) { continue }
            if needCatalogue {
                // Items missing from the catalogue are served only when nothing asks about them.
                let entry = catalogue[id]
                if request.availableOnly, entry?.available == false { continue }
                if let category = request.category, !(entry?.categories.contains(category) ?? false) { continue }
            }
            out.append(candidate)
        }
        return out
    }

    /// Display names of items for reasons: the catalogue title, else the id.
    private func titles(of items: [Int32], model: ServingModel, workspace: WorkspaceID) async throws -> [Int32: String] {
        let ids = Set(items).compactMap { index in model.snapshot.items.key(at: index).map { (index, ItemID(unchecked: $0)) } }
        let catalogue = try await store.items(ids.map(\.1), in: workspace)
        var out: [Int32: String] = [:]
        for (index, id) in ids { out[index] = catalogue[id]?.title ?? id.rawValue }
        return out
    }

    private func recentItems(of user: UserID, in workspace: WorkspaceID) async throws -> [ItemID] {
        try await store.recentEvents(of: user, in: workspace, limit: recentEvents).compactMap(\.event.itemID)
    }

    /// Before any model is trained: available catalogue items, newest first.
    private func catalogueFallback(workspace: WorkspaceID, request: RecommendationRequest) async throws -> RecommendationList {
        var out: [Recommendation] = []
        var cursor: ItemID?
        while out.count < request.count {
            let page = try await store.items(in: workspace, after: cursor, limit: 500)
            for item in page where out.count < request.count {
                if request.availableOnly && !item.available { continue }
                if request.exclude.contains(item.id) { continue }
                if let category = request.category, !item.categories.contains(category) { continue }
                out.append(Recommendation(item: item.id, score: 0, reason: "from the catalogue (no model trained yet)"))
            }
            guard let last = page.last, page.count == 500 else { break }
            cursor = last.id
        }
        return RecommendationList(items: out, strategy: "catalogue", modelVersion: nil)
    }
}
