import AttuneCore
import AttuneML
import AttuneStore
import Metrics

/// One recommended item with its score and a short reason.
package struct Recommendation: Sendable, Equatable {
    package var item: ItemID
    package var score: Double
    package var reason: String
    /// An exploration slot: an item the model has little data on, shown to learn about it.
    package var exploration = false
}

package struct RecommendationList: Sendable {
    package var items: [Recommendation]
    /// The model family that produced the list, or `popular` for the fallback.
    package var strategy: String
    package var modelVersion: Int?
}

extension Recommendation {
    /// For renderers and their tests outside this module.
    package init(item: ItemID, score: Double, reason: String, exploring: Bool) {
        self.init(item: item, score: score, reason: reason, exploration: exploring)
    }
}

extension RecommendationList {
    /// For renderers and their tests outside this module.
    package init(items: [Recommendation], strategy: String, version: Int?) {
        self.init(items: items, strategy: strategy, modelVersion: version)
    }
}

/// Filters a request applies on top of the model.
package struct RecommendationRequest: Sendable {
    package enum Strategy: String, Sendable, CaseIterable {
        /// The served model, with its fallbacks.
        case `default`
        /// The most popular items of the training data, for everyone.
        case popular
    }

    package var count = 10
    package var exclude: Set<ItemID> = []
    package var category: String?
    package var availableOnly = true
    package var strategy = Strategy.default
    /// λ of maximal marginal relevance in [0, 1]: 0 keeps the model's order, higher values trade
    /// relevance for variety across categories (``DiversityReranking``).
    package var diversity: Float = 0
    /// Filter and boost rules over item properties.
    package var rules = ItemRules()
    /// Share of the slots, in [0, 0.5], given to items the model has little data on, so that the
    /// feedback loop does not only confirm what the model already believes.
    package var exploration: Float = 0
    /// Favour what this segment's members consume: their popular items for users without a
    /// personal list, a boost of up to ×2 (by the share of members who have the item) otherwise.
    package var segment: SegmentID?
    /// Items of these brands (in folded form, see `CatalogNames`) are left out.
    package var excludedBrands: Set<String> = []

    package init() {}
}

/// Answers recommendation requests from the served model, the user's latest events and the
/// catalogue: known user with history → the model; a user the model has not seen but who has
/// recent events → scored from those events; anyone else → the most popular items. The personal
/// list of a profile with little behaviour behind it is blended with the popular items
/// (``ConfidenceBlend``), more the thinner the profile.
/// Items already consumed, excluded, unavailable or outside the category are never returned, nor
/// items (or brands) the user spoke of strongly negatively in a customer text.
package struct RecommendationService: Sendable {
    package static let maxCount = 100

    let registry: ModelRegistry
    let store: any AttuneStorage
    /// "Now" for rules such as `days_since(item.created_at) < 30`.
    let clock: any WallClock
    let catalogue: CatalogCache
    let segments: SegmentPopularity
    let histories: ResolvedHistoryCache
    /// Recent events read per request so that new activity counts before the next training.
    let recentEvents = 200
    /// A text mention scoring at or below this suppresses the item or brand for that user; `nil`
    /// turns suppression off.
    let suppressionThreshold: Double?

    package init(
        registry: ModelRegistry, store: any AttuneStorage, clock: any WallClock = SystemClock(),
        catalogue: CatalogCache = CatalogCache(), segments: SegmentPopularity = SegmentPopularity(),
        histories: ResolvedHistoryCache = ResolvedHistoryCache(),
        suppressionThreshold: Double? = TextConfiguration().suppressionThreshold
    ) {
        self.histories = histories
        self.suppressionThreshold = suppressionThreshold
        self.registry = registry
        self.store = store
        self.clock = clock
        self.catalogue = catalogue
        self.segments = segments
    }

    package func recommend(user: UserID, in workspace: WorkspaceID, request: RecommendationRequest) async throws
        -> RecommendationList
    {
        // The store's per-user reads below answer as of one moment (one change probe, not one per read).
        try await ServingReadScope.$current.withValue(ServingReadScope()) {
            try await recommendAsOfOneMoment(user: user, in: workspace, request: request)
        }
    }

    private func recommendAsOfOneMoment(user: UserID, in workspace: WorkspaceID, request: RecommendationRequest) async throws
        -> RecommendationList
    {
        // A merged id is served as the person it became part of (one primary-key read).
        let user = try await store.canonicalUser(of: user, in: workspace)
        var request = request
        if let threshold = suppressionThreshold {
            for target in try await store.negativelyMentioned(by: user, in: workspace, threshold: threshold) {
                switch target {
                case .item(let id): request.exclude.insert(id)
                case .brand(let brand): request.excludedBrands.insert(brand)
                }
            }
        }
        if let segment = request.segment, try await store.segment(segment, in: workspace) == nil {
            throw AttuneError.invalid("segment", "no segment with this id")
        }
        guard let model = registry.model(for: workspace) else {
            return try await catalogueFallback(workspace: workspace, request: request)
        }
        var inSegment: SegmentPopularity.Ranking?
        if let segment = request.segment {
            inSegment = try await segments.ranking(of: segment, in: workspace, model: model, store: store)
        }
        // Without personalization consent nothing of the person is read: no history, no
        // segment of theirs, no vector; they get the popular items everyone gets.
        let personalAllowed = try store.consentPermits(.personalization, for: user.rawValue, in: workspace)
        // The recent items come from the store on every request (its cache answers until the
        // database changes); their labels, sets and anchors are resolved once per answer and model.
        let resolved =
            personalAllowed
            ? histories.resolve(
                recent: try await recentItems(of: user, in: workspace), of: user, in: workspace, model: model,
                anchors: Self.reasonHistory)
            : nil
        // A user with no history at all but a segment (say, from declared attributes) starts from
        // what that segment's members consume rather than from what everyone does.
        if personalAllowed, inSegment == nil, resolved?.folded.isEmpty ?? true, request.strategy == .default,
            let segment = try await store.segments(of: user, in: workspace).first
        {
            inSegment = try await segments.ranking(of: segment, in: workspace, model: model, store: store)
        }
        // What the user has, items added since training included: never recommended back.
        let consumed = resolved?.consumed ?? ConsumedItems()
        let personalWeight = try await thinProfileWeight(
            of: user, in: workspace, model: model, personalAllowed: personalAllowed, request: request)
        // Diversity needs a pool to choose from, not just the top `count`.
        let needed = request.diversity > 0 ? max(request.count * 3, request.count + 20) : request.count
        var wanted = needed
        // When nothing reorders the model's list after it is filtered (no blend with popularity,
        // segment, boost or diversity) and the search is exact, its first items are the same
        // whatever the length asked, so a short list does; the loop lengthens it when filters
        // reject more. The exact scan stops earlier for a shorter list.
        let reorders = personalWeight < 1 || inSegment != nil || !request.rules.boosts.isEmpty || request.diversity > 0
            || model.retrieval != nil
        // Over-fetch so that filters (availability, category, exclusions) still leave enough.
        while true {
            let fetch = min(model.snapshot.items.count, wanted * 3 + 20)
            let personalCount = reorders || fetch >= model.snapshot.items.count ? fetch : min(fetch, wanted + 10)
            var personal =
                request.strategy == .popular || !personalAllowed
                ? nil : resolved.flatMap { model.personalised($0, count: personalCount) }
            if let list = personal, personalWeight < 1 {
                let depth = max(ConfidenceBlend.depth, fetch)
                let popular = model.popular.lazy.filter { !consumed.contains($0) }.prefix(depth)
                // A zero score is no evidence (item-kNN gives it to items never co-consumed with
                // the history), not a personal rank.
                personal = ConfidenceBlend.fuseScored(
                    personal: list.filter { $0.score != 0 }.map(\.item), popular: Array(popular), personalWeight: personalWeight,
                    count: fetch, depth: depth)
            }
            var strategy = personal == nil ? "popular" : model.snapshot.family.rawValue
            var candidates: [(item: Int32, score: Float)] =
                personal ?? model.popular.lazy.filter { !consumed.contains($0) }.prefix(fetch).enumerated().map {
                    ($0.element, Float(fetch - $0.offset) / Float(fetch))
                }
            if let inSegment {
                if personal == nil { strategy = "popular-in-segment" }
                candidates = Self.favouring(inSegment, candidates, personal: personal != nil, consumed: consumed, count: fetch)
            }
            // Without diversity the list is the first `count` accepted, so the filter may stop at
            // `needed`: fewer catalogue lookups for candidates that would be cut anyway.
            let (accepted, categories) = try await filter(
                candidates, model: model, workspace: workspace, request: request, consumed: consumed,
                enough: request.diversity > 0 ? nil : needed)
            if accepted.count >= needed || fetch >= model.snapshot.items.count {
                let chosen = DiversityReranking.rerank(accepted, count: request.count, diversity: request.diversity) { a, b in
                    if let ca = categories[a], let cb = categories[b], !ca.isEmpty, !cb.isEmpty {
                        return DiversityReranking.jaccard(ca, cb)
                    }
                    return max(0, model.similarity.similarity(a, b))
                }
                // Reasons point at what the user did lately: the newest distinct items, not the whole past.
                let anchorPool = resolved?.anchorPool ?? []
                let anchors =
                    personal == nil
                    ? [Int32?](repeating: nil, count: chosen.count)
                    : model.closestHistoryItems(to: chosen.map(\.item), history: anchorPool)
                // A new item (no interactions yet) is there for its content: name the item it resembles.
                let newAnchors = chosen.map { model.cold?.anchor(of: $0.item) }
                let titles = try await self.titles(of: anchors.compactMap { $0 } + newAnchors.compactMap { $0 }, model: model, workspace: workspace)
                let items = zip(chosen, zip(anchors, newAnchors)).map { candidate, anchorPair -> Recommendation in
                    let (anchor, newAnchor) = anchorPair
                    let id = ItemID(unchecked: model.itemKey(at: candidate.item) ?? "")
                    let reason: String
                    if let newAnchor, let name = titles[newAnchor] {
                        reason = "new item, similar to \(name)"
                    } else if !personalAllowed {
                        reason = "popular (not personalised: no personalization consent)"
                    } else if personal == nil {
                        reason =
                            inSegment?.shares[candidate.item] != nil
                            ? "popular in this segment" : model.trending ? "trending" : "popular"
                    } else if let anchor, let name = titles[anchor] {
                        reason = "similar to \(name) you interacted with"
                    } else {
                        reason = "recommended for you by \(strategy)"
                    }
                    return Recommendation(item: id, score: Double(candidate.score), reason: reason)
                }
                let explored = try await explore(
                    items, model: model, workspace: workspace, request: request, consumed: consumed, chosen: chosen.map(\.item))
                return RecommendationList(items: explored, strategy: strategy, modelVersion: model.version)
            }
            wanted *= 4
        }
    }

    static let reasonHistory = 30

    /// The weight of the personal list against the popular one for this user: the behaviour part
    /// of their profile's completeness (``ConfidenceBlend/personalWeight(behaviour:)``), so a thin
    /// profile leans on what everyone likes and a rich one on the model. 1 (no blend) for the
    /// `popular` strategy, without consent (nothing personal is served then), for a user without a
    /// stored profile (a model trained on data this store does not hold), and for a user the model
    /// was trained on: the blend was measured on users served by fold-in from a few events, and
    /// the trained users' lists are what the offline evaluation scores; skipping them also keeps
    /// the profile read off most requests.
    func thinProfileWeight(
        of user: UserID, in workspace: WorkspaceID, model: ServingModel, personalAllowed: Bool,
        request: RecommendationRequest
    ) async throws -> Double {
        guard personalAllowed, request.strategy == .default, model.snapshot.users.index(of: user.rawValue) == nil,
            let stored = try await store.profile(of: user, in: workspace)
        else { return 1 }
        let behaviour = ProfileCompleteness(declaredNames: [], traits: stored.traits, now: clock.now()).behaviour
        return ConfidenceBlend.personalWeight(behaviour: behaviour)
    }
    static let explorationSlots = Counter(label: "attune_recommendation_exploration_slots_total")

    /// Replaces `round(count × exploration)` slots (at least one when exploration is on) at random
    /// positions with random items from the model's least-known half that pass the request's
    /// filters and are neither consumed nor already `chosen`; each is marked as exploration and counted.
    private func explore(
        _ items: [Recommendation], model: ServingModel, workspace: WorkspaceID, request: RecommendationRequest,
        consumed: ConsumedItems, chosen: [Int32]
    ) async throws -> [Recommendation] {
        guard request.exploration > 0, !items.isEmpty, !model.uncertain.isEmpty else { return items }
        // Only here: merging the list into the consumed set costs a set and a sort per request.
        let consumed = consumed.union(chosen)
        let slots = min(items.count, max(1, Int((Float(items.count) * request.exploration).rounded())))
        var rng = SystemRandomNumberGenerator()
        var pool: [(item: Int32, score: Float)] = []
        for _ in 0..<min(model.uncertain.count, slots * 8) {
            let item = model.uncertain[Int.random(in: 0..<model.uncertain.count, using: &rng)]
            if !consumed.contains(item), !pool.contains(where: { $0.item == item }) { pool.append((item, 0)) }
        }
        let (accepted, _) = try await filter(pool, model: model, workspace: workspace, request: request, consumed: consumed)
        guard !accepted.isEmpty else { return items }
        var out = items
        var positions = Array(out.indices).shuffled(using: &rng).prefix(min(slots, accepted.count))
        positions.sort()
        for (position, candidate) in zip(positions, accepted) {
            out[position] = Recommendation(
                item: ItemID(unchecked: model.snapshot.items.key(at: candidate.item) ?? ""), score: out[position].score,
                reason: "exploration: little is known about this item yet", exploration: true)
        }
        Self.explorationSlots.increment(by: positions.count)
        return out
    }

    /// Candidates reordered for a segment. A personal list keeps its items, each score multiplied
    /// by 1 + the share of members who have the item (divided when negative, so it still rises);
    /// a popularity list puts the segment's popular items first, then the rest in their order.
    static func favouring(
        _ ranking: SegmentPopularity.Ranking, _ candidates: [(item: Int32, score: Float)], personal: Bool,
        consumed: ConsumedItems, count: Int
    ) -> [(item: Int32, score: Float)] {
        if personal {
            let boosted = candidates.map { candidate -> (item: Int32, score: Float) in
                let factor = 1 + (ranking.shares[candidate.item] ?? 0)
                return (candidate.item, candidate.score >= 0 ? candidate.score * factor : candidate.score / factor)
            }
            return boosted.enumerated()
                .sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element)
        }
        var out: [(item: Int32, score: Float)] = ranking.items.lazy.filter { !consumed.contains($0.item) }.prefix(count)
            .map { (item: $0.item, score: 1 + $0.share) }
        let taken = Set(out.map(\.item))
        out += candidates.filter { !taken.contains($0.item) }.map { (item: $0.item, score: min($0.score, 1)) }
        return out
    }

    /// Up to `limit` distinct items, the newest of `recent` (oldest first) first, then `older`.
    static func latestDistinct(_ recent: [Int32], then older: [Int32], limit: Int) -> [Int32] {
        var seen = Set<Int32>()
        var out: [Int32] = []
        for item in recent.reversed() where out.count < limit && seen.insert(item).inserted { out.append(item) }
        for item in older where out.count < limit && seen.insert(item).inserted { out.append(item) }
        return out
    }

    /// The users most likely to want `item` (``Audience``), or `nil` when the served model does
    /// not know the item.
    package func audience(of item: ItemID, in workspace: WorkspaceID, count: Int) async throws
        -> (users: [(user: UserID, score: Double)], modelVersion: Int)?
    {
        guard let model = registry.model(for: workspace), let index = model.snapshot.items.index(of: item.rawValue) else {
            return nil
        }
        let found = model.audience.users(for: index, count: count, similarity: model.similarity)
        let consent = try await store.consentSnapshot(in: workspace)
        let users = found.compactMap { entry -> (user: UserID, score: Double)? in
            // An erased user's row stays in the served model until retraining, under a placeholder.
            guard let key = model.snapshot.users.key(at: entry.user), !ModelSnapshot.isErasedPlaceholder(key),
                consent.permits(.personalization, for: key)
            else {
                return nil
            }
            return (UserID(unchecked: key), Double(entry.score))
        }
        return (users, model.version)
    }

    /// Items similar to `item` for product pages, filtered like recommendations.
    package func similar(to item: ItemID, in workspace: WorkspaceID, request: RecommendationRequest) async throws
        -> RecommendationList?
    {
        guard let model = registry.model(for: workspace), let index = model.itemLabel(of: item.rawValue) else {
            return nil
        }
        let consumed = ConsumedItems(sorted: [index])
        let neighbours = model.similarItems(to: index, count: min(model.snapshot.items.count, request.count * 3 + 20))
        let (accepted, _) = try await filter(
            neighbours.map { ($0.item, $0.similarity) }, model: model, workspace: workspace, request: request, consumed: consumed)
        let items = accepted.prefix(request.count).map {
            Recommendation(
                item: ItemID(unchecked: model.itemKey(at: $0.item) ?? ""), score: Double($0.score),
                reason: model.cold?.contains($0.item) == true || model.cold?.contains(index) == true
                    ? "new item, similar in content to \(item.rawValue)" : "often chosen together with \(item.rawValue)")
        }
        return RecommendationList(items: items, strategy: "similar-\(model.snapshot.family.rawValue)", modelVersion: model.version)
    }

    /// The candidates that pass the request's filters, in order, and, when the request asks for
    /// diversity, the categories of those the catalogue knows.
    /// With `enough`, and no boost to reorder the accepted ones, candidates are looked at in
    /// chunks and the rest are skipped once that many passed.
    private func filter(
        _ candidates: [(item: Int32, score: Float)], model: ServingModel, workspace: WorkspaceID,
        request: RecommendationRequest, consumed: ConsumedItems, enough: Int? = nil
    ) async throws -> (accepted: [(item: Int32, score: Float)], categories: [Int32: [String]]) {
        let fresh = candidates.filter { !consumed.contains($0.item) }
        let rules = request.rules
        let needCatalogue = request.availableOnly || request.category != nil || request.diversity > 0 || !rules.isEmpty
            || !request.excludedBrands.isEmpty
        let limit = rules.boosts.isEmpty ? enough ?? fresh.count : fresh.count
        let now = clock.now()
        var out: [(item: Int32, score: Float)] = []
        var categories: [Int32: [String]] = [:]
        var start = 0
        while start < fresh.count, out.count < limit {
            // A few more than still missing, as some are usually filtered out.
            let end = min(fresh.count, start + max(16, (limit - out.count) * 5 / 4))
            try await filterChunk(
                fresh[start..<end], model: model, workspace: workspace, request: request, needCatalogue: needCatalogue, now: now,
                into: &out, categories: &categories)
            start = end
        }
        if !rules.boosts.isEmpty {
            // Stable, so equal scores keep the model's order.
            out = out.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }.map(\.element)
        }
        return (out, categories)
    }

    private func filterChunk(
        _ fresh: ArraySlice<(item: Int32, score: Float)>, model: ServingModel, workspace: WorkspaceID,
        request: RecommendationRequest, needCatalogue: Bool, now: Timestamp, into out: inout [(item: Int32, score: Float)],
        categories: inout [Int32: [String]]
    ) async throws {
        let rules = request.rules
        // Ids are only spelled out for what compares them: exclusions and rules.
        let needIDs = !request.exclude.isEmpty || !rules.isEmpty
        let catalogue =
            needCatalogue
            ? try await self.catalogue.items(labels: fresh.map(\.item), of: model, in: workspace, store: store) : []
        for (offset, candidate) in fresh.enumerated() {
            let id = needIDs ? ItemID(unchecked: model.itemKey(at: candidate.item) ?? "") : ItemID(unchecked: "")
            if needIDs, request.exclude.contains(id) { continue }
            // Withdrawn by the catalogue since the model was loaded: gone, whatever the request allows.
            if model.isWithdrawn(candidate.item) { continue }
            var score = candidate.score
            if needCatalogue {
                // Items missing from the catalogue are served only when nothing asks about them.
                let entry = catalogue[offset]
                if request.availableOnly, entry?.available == false { continue }
                if let category = request.category, !(entry?.categories.contains(category) ?? false) { continue }
                if !request.excludedBrands.isEmpty, let entry, let brand = CatalogNames.brandKey(of: entry),
                    request.excludedBrands.contains(brand)
                {
                    continue
                }
                if !rules.isEmpty {
                    let fields = ItemFields(id: id, item: entry)
                    guard rules.admits(fields, now: now) else { continue }
                    score = rules.boosted(score, fields, now: now)
                }
                // Only diversity compares categories; without it the map would be built for nothing.
                if request.diversity > 0, let entry { categories[candidate.item] = entry.categories }
            }
            out.append((candidate.item, score))
        }
    }

    /// Display names of items for reasons: the catalogue title, else the id.
    private func titles(of items: [Int32], model: ServingModel, workspace: WorkspaceID) async throws -> [Int32: String] {
        // Distinct labels with a key. A reason list names a handful: a linear check is cheaper
        // than hashing into a set for it.
        var labels: [Int32] = []
        var keys: [String] = []
        labels.reserveCapacity(items.count)
        keys.reserveCapacity(items.count)
        let few = items.count <= 32
        var seen = few ? [] : Set<Int32>(minimumCapacity: items.count)
        for item in items {
            guard few ? !labels.contains(item) : seen.insert(item).inserted else { continue }
            guard let key = model.itemKey(at: item) else { continue }
            labels.append(item)
            keys.append(key)
        }
        guard !labels.isEmpty else { return [:] }
        let catalogue = try await self.catalogue.items(labels: labels, of: model, in: workspace, store: store)
        var out = [Int32: String](minimumCapacity: labels.count)
        for (offset, label) in labels.enumerated() { out[label] = catalogue[offset]?.title ?? keys[offset] }
        return out
    }

    private func recentItems(of user: UserID, in workspace: WorkspaceID) async throws -> [ItemID] {
        try await store.recentItems(of: user, in: workspace, limit: recentEvents)
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
                if !request.excludedBrands.isEmpty, let brand = CatalogNames.brandKey(of: item),
                    request.excludedBrands.contains(brand)
                {
                    continue
                }
                if let category = request.category, !item.categories.contains(category) { continue }
                out.append(Recommendation(item: item.id, score: 0, reason: "from the catalogue (no model trained yet)"))
            }
            guard let last = page.last, page.count == 500 else { break }
            cursor = last.id
        }
        return RecommendationList(items: out, strategy: "catalogue", modelVersion: nil)
    }
}
