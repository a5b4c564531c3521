import AttuneCore
import AttuneStore

/// Turns what a user said about items and brands into preference-tag weight: an item mentioned
/// with positive mean sentiment adds its categories and tags, weighted by the number of mentions
/// times that sentiment; a brand adds the tag `brand:<name>`. Negative and neutral mentions add
/// nothing (strongly negative ones suppress items in recommendations instead).
package enum MentionAffinity {
    /// At most this many mentioned targets are read per profile.
    package static let maxTargets = 200

    /// Adds the favourable mentions among `mentions` to `affinity`: `catalogue` holds the
    /// mentioned items (others are skipped); neutral and negative mentions add nothing.
    package static func add(to affinity: inout LabelAffinity, mentions: [MentionSummary], catalogue: [ItemID: Item]) {
        var entries: [(categories: [String], tags: [String], weight: Double)] = []
        for summary in mentions where (summary.meanSentiment ?? 0) > 0 {
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
