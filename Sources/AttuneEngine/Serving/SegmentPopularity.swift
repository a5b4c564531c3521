import AttuneCore
import AttuneML
import AttuneStore
import Dispatch

/// What a segment's members consume: for each item of the served model, the share of the
/// segment's members who have it in the training data. Serves "popular in this segment" and
/// boosts for `segment=` on recommendations.
///
/// Computed from the model's user × item matrix for up to `maxMembers` members, and cached per
/// segment and model version for `lifetime`, so membership changes show within that time.
package final class SegmentPopularity: Sendable {
    package struct Ranking: Sendable {
        /// Items by decreasing share, at most `maxItems`.
        package let items: [(item: Int32, share: Float)]
        package let shares: [Int32: Float]
    }

    private struct Entry: Sendable {
        var version: Int
        var ranking: Ranking
        var loadedAt: UInt64
    }

    private let entries = Locked<[String: Entry]>([:])
    private let lifetime: UInt64
    static let maxMembers = 100_000
    static let maxItems = 1_000

    package init(lifetime: Duration = .seconds(60)) {
        let (seconds, attoseconds) = lifetime.components
        self.lifetime = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// The ranking of `segment` under `model`, from the cache when fresh.
    package func ranking(
        of segment: SegmentID, in workspace: WorkspaceID, model: ServingModel, store: any SegmentStore
    ) async throws -> Ranking {
        let key = workspace.rawValue + "\u{1F}" + segment.rawValue
        let now = DispatchTime.now().uptimeNanoseconds
        if let entry = entries.withLock({ $0[key] }), entry.version == model.version, now &- entry.loadedAt < lifetime {
            return entry.ranking
        }
        let seen = model.snapshot.seen
        var counts = [Int32](repeating: 0, count: seen.columnCount)
        var members = 0
        var cursor: UserID?
        while members < Self.maxMembers {
            let page = try await store.members(of: segment, in: workspace, after: cursor, limit: 5_000)
            for user in page {
                members += 1
                guard let row = model.snapshot.users.index(of: user.rawValue) else { continue }
                for item in seen.columns(ofRow: Int(row)) { counts[Int(item)] += 1 }
            }
            guard let last = page.last, page.count == 5_000 else { break }
            cursor = last
        }
        let ranked = counts.indices.filter { counts[$0] > 0 }
            .sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
            .prefix(Self.maxItems)
            .map { (item: Int32($0), share: Float(counts[$0]) / Float(max(1, members))) }
        let ranking = Ranking(items: ranked, shares: Dictionary(uniqueKeysWithValues: ranked.map { ($0.item, $0.share) }))
        entries.withLock { all in
            if all.count > 10_000 { all.removeAll() }
            all[key] = Entry(version: model.version, ranking: ranking, loadedAt: now)
        }
        return ranking
    }
}
