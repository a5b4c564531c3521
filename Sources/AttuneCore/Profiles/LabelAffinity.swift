/// How much of a user's recent activity falls in each category and tag: preference tags for
/// profiles, weighted towards the newest items, plus what the user praised in customer texts.
package struct LabelAffinity: Sendable, Equatable {
    package var categories: [String: Double] = [:]
    package var tags: [String: Double] = [:]

    package init() {}

    /// Each step back in a user's history weighs `2^(-1/20)` of the next: an item 20 items
    /// older counts half as much.
    package static let decayPerItem = 0.965_936_328_924_845_6

    /// - Parameter items: the labels of the user's recent items, oldest first.
    package init(items: [(categories: [String], tags: [String])]) {
        var weight = 1.0
        for item in items.reversed() {
            for c in Set(item.categories) { categories[c, default: 0] += weight }
            for t in Set(item.tags) { tags[t, default: 0] += weight }
            weight *= Self.decayPerItem
        }
    }

    /// Adds labels the user spoke of favourably in customer texts: each entry's categories and
    /// tags with its weight (the engine passes mention count × mean sentiment, positive only).
    package mutating func add(mentioned: [(categories: [String], tags: [String], weight: Double)]) {
        for entry in mentioned where entry.weight > 0 {
            for c in Set(entry.categories) { categories[c, default: 0] += entry.weight }
            for t in Set(entry.tags) { tags[t, default: 0] += entry.weight }
        }
    }

    /// The heaviest labels, best first (ties by name), with their share of the total.
    package func top(_ labels: [String: Double], _ count: Int) -> [(label: String, share: Double)] {
        let total = labels.values.reduce(0, +)
        guard total > 0 else { return [] }
        return labels.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(count).map { ($0.key, $0.value / total) }
    }
}
