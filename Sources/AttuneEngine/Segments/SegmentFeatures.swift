import AttuneCore
import AttuneStore

/// Per-user features for learned segments, in units people read (days, counts, money), so that
/// the explaining rules print naturally; clustering standardises them first.
///
/// RFM (days since last seen, purchases, money spent), activity (events, sessions, mean session
/// minutes, days active), the counts of the workspace's most common event types, and the share of
/// the user's recent items in each of the workspace's most common categories.
package struct SegmentFeatures: Sendable {
    package let names: [String]
    package let users: [UserID]
    /// users.count × names.count, row-major.
    package let values: [Float]

    /// Event types beyond these are too rare to describe a segment.
    static let typeColumns = 4
    /// Categories beyond these are too rare to describe a segment.
    static let categoryColumns = 5
    /// Recent items read per user for category shares.
    static let recentItems = 50

    /// Reads every profile, a page at a time.
    package static func load(
        from store: any ProfileStore & EventStore & CatalogStore, workspace: WorkspaceID, now: Timestamp
    ) async throws -> SegmentFeatures {
        var profiles: [(UserID, ProfileTraits)] = []
        var cursor: UserID?
        while true {
            let page = try await store.profiles(in: workspace, after: cursor, limit: 5_000)
            profiles += page.map { ($0.user, $0.profile.traits) }
            guard let last = page.last, page.count == 5_000 else { break }
            cursor = last.user
        }
        // Each user's recent items, then the categories of all of them from the catalogue at once.
        var recent: [UserID: [ItemID]] = [:]
        var unique = Set<ItemID>()
        for (user, _) in profiles {
            let items = try await store.recentItems(of: user, in: workspace, limit: recentItems)
            recent[user] = items
            unique.formUnion(items)
        }
        let catalogue = try await store.items(Array(unique), in: workspace)
        var categories: [UserID: [String: Int]] = [:]
        for (user, items) in recent {
            var counts: [String: Int] = [:]
            for item in items { for category in catalogue[item]?.categories ?? [] { counts[category, default: 0] += 1 } }
            if !counts.isEmpty { categories[user] = counts }
        }
        return make(profiles, now: now, recentCategories: categories, recentCounts: recent.mapValues(\.count))
    }

    /// - Parameters:
    ///   - recentCategories: per user, how many of their recent items are in each category.
    ///   - recentCounts: per user, how many recent items were read (the share's denominator).
    package static func make(
        _ profiles: [(UserID, ProfileTraits)], now: Timestamp, recentCategories: [UserID: [String: Int]] = [:],
        recentCounts: [UserID: Int] = [:]
    ) -> SegmentFeatures {
        var categoryTotals: [String: Int] = [:]
        for counts in recentCategories.values { for (category, n) in counts { categoryTotals[category, default: 0] += n } }
        let categories = categoryTotals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(categoryColumns).map(\.key)
        var typeTotals: [String: Int] = [:]
        for (_, traits) in profiles {
            for (type, count) in traits.countsByType where type != "purchase" { typeTotals[type, default: 0] += count }
        }
        let types = typeTotals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(typeColumns).map(\.key)
        let names =
            ["recency_days", "purchases", "monetary", "events", "sessions", "session_minutes", "active_days"]
            + types.map { "\($0)_events" } + categories.map { "share_\($0)" }
        var values: [Float] = []
        values.reserveCapacity(profiles.count * names.count)
        let day = 86_400_000.0
        for (user, t) in profiles {
            values.append(Float(max(0, Double(now.millisecondsSinceEpoch - t.lastSeen)) / day))
            values.append(Float(t.purchaseCount))
            values.append(Float(t.monetary.isFinite ? t.monetary : 0))
            values.append(Float(t.eventCount))
            values.append(Float(t.sessionCount))
            values.append(Float(t.meanSessionSeconds / 60))
            values.append(Float(Double(max(0, t.lastSeen - t.firstSeen)) / day))
            for type in types { values.append(Float(t.countsByType[type] ?? 0)) }
            let seen = Float(max(1, recentCounts[user] ?? 0))
            for category in categories { values.append(Float(recentCategories[user]?[category] ?? 0) / seen) }
        }
        return SegmentFeatures(names: names, users: profiles.map(\.0), values: values)
    }
}
