import AttuneCore
import AttuneStore

/// Per-user features for learned segments, in units people read (days, counts, money), so that
/// the explaining rules print naturally; clustering standardises them first.
///
/// RFM (days since last seen, purchases, money spent), activity (events, sessions, mean session
/// minutes, days active) and the counts of the workspace's most common event types.
package struct SegmentFeatures: Sendable {
    package let names: [String]
    package let users: [UserID]
    /// users.count × names.count, row-major.
    package let values: [Float]

    /// Event types beyond these are too rare to describe a segment.
    static let typeColumns = 4

    /// Reads every profile, a page at a time.
    package static func load(
        from store: any ProfileStore, workspace: WorkspaceID, now: Timestamp
    ) async throws -> SegmentFeatures {
        var profiles: [(UserID, ProfileTraits)] = []
        var cursor: UserID?
        while true {
            let page = try await store.profiles(in: workspace, after: cursor, limit: 5_000)
            profiles += page.map { ($0.user, $0.profile.traits) }
            guard let last = page.last, page.count == 5_000 else { break }
            cursor = last.user
        }
        return make(profiles, now: now)
    }

    package static func make(_ profiles: [(UserID, ProfileTraits)], now: Timestamp) -> SegmentFeatures {
        var typeTotals: [String: Int] = [:]
        for (_, traits) in profiles {
            for (type, count) in traits.countsByType where type != "purchase" { typeTotals[type, default: 0] += count }
        }
        let types = typeTotals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(typeColumns).map(\.key)
        let names =
            ["recency_days", "purchases", "monetary", "events", "sessions", "session_minutes", "active_days"]
            + types.map { "\($0)_events" }
        var values: [Float] = []
        values.reserveCapacity(profiles.count * names.count)
        let day = 86_400_000.0
        for (_, t) in profiles {
            values.append(Float(max(0, Double(now.millisecondsSinceEpoch - t.lastSeen)) / day))
            values.append(Float(t.purchaseCount))
            values.append(Float(t.monetary.isFinite ? t.monetary : 0))
            values.append(Float(t.eventCount))
            values.append(Float(t.sessionCount))
            values.append(Float(t.meanSessionSeconds / 60))
            values.append(Float(Double(max(0, t.lastSeen - t.firstSeen)) / day))
            for type in types { values.append(Float(t.countsByType[type] ?? 0)) }
        }
        return SegmentFeatures(names: names, users: profiles.map(\.0), values: values)
    }
}
