import AttuneCore
import AttuneStore

/// Turns what a user said about items and brands into preference-tag weight: an item mentioned
/// with positive mean sentiment adds its categories and tags, weighted by the number of mentions
/// times that sentiment; a brand adds the tag `brand:<name>`. Negative and neutral mentions add
/// nothing (strongly negative ones suppress items in recommendations instead).
package enum MentionAffinity {
    /// At most this many mentioned targets are read per profile.
    package static let maxTargets = 200

    package static func add(
        to affinity: inout LabelAffinity, user: UserID, in workspace: WorkspaceID, store: any AttuneStorage
    ) async throws {
        let mentions = try await store.mentions(of: user, in: workspace, after: nil, limit: maxTargets)
        let positive = mentions.filter { ($0.meanSentiment ?? 0) > 0 }
        guard !positive.isEmpty else { return }
        let itemIDs = positive.compactMap { summary -> ItemID? in
            if case .item(let id) = summary.target { return id }
            return nil
        }
        let catalogue = try await store.items(itemIDs, in: workspace)
        var entries: [(categories: [String], tags: [String], weight: Double)] = []
        for summary in positive {
            let weight = Double(summary.count) * (summary.meanSentiment ?? 0)
            switch summary.target {
            case .item(let id):
                if let item = catalogue[id] { entries.append((item.categories, item.tags, weight)) }
            case .brand(let brand):
                entries.append(([], ["brand:\(brand)"], weight))
            }
        }
        affinity.add(mentioned: entries)
    }
}
