/// A workspace's rule segments compiled once, for evaluating users as their profiles change.
///
/// Aggregates shared by several rules are computed once per user; each rule's slots are resolved
/// to sources up front, so evaluating one user against many segments does no string work.
package struct SegmentRuleSet: Sendable {
    package struct Entry: Sendable {
        package let id: SegmentID
        package let rule: RuleExpression
        let sources: [ProfileFields.Source]
    }

    package let entries: [Entry]
    /// Every distinct aggregate of every rule; ``ProfileRecord/aggregates`` follows this order.
    package let aggregates: [EventAggregate]
    /// Whether any rule reads `attributes.*` (so declared traits must be loaded).
    package var readsAttributes: Bool { !attributePaths.isEmpty }
    /// Distinct paths below `attributes`, read once per user however many rules use them.
    private let attributePaths: [[String]]
    /// Whether any aggregate condition reads `properties.*` (so event properties must be parsed).
    package let readsEventProperties: Bool
    /// The longest window of any aggregate in seconds, `nil` when one covers all time: events older
    /// than this need not be read.
    package let longestWindowSeconds: Double?

    package static let empty = SegmentRuleSet(rules: [])

    package var isEmpty: Bool { entries.isEmpty }
    package var ids: Set<SegmentID> { Set(entries.map(\.id)) }

    package init(rules: [(id: SegmentID, rule: RuleExpression)]) {
        var aggregates: [EventAggregate] = []
        var aggregateIndex: [String: Int] = [:]
        var attributePaths: [[String]] = []
        var attributeIndex: [[String]: Int] = [:]
        var entries: [Entry] = []
        for (id, rule) in rules {
            for aggregate in rule.aggregates where aggregateIndex[aggregate.description] == nil {
                aggregateIndex[aggregate.description] = aggregates.count
                aggregates.append(aggregate)
            }
            for path in rule.fieldPaths where path.root == "attributes" && path.segments.count >= 2 {
                let below = Array(path.segments.dropFirst())
                if attributeIndex[below] == nil {
                    attributeIndex[below] = attributePaths.count
                    attributePaths.append(below)
                }
            }
            let sources = rule.fieldPaths.map {
                ProfileFields.source(of: $0, aggregateIndex: aggregateIndex, attributeIndex: attributeIndex)
            }
            entries.append(Entry(id: id, rule: rule, sources: sources))
        }
        self.entries = entries
        self.aggregates = aggregates
        self.attributePaths = attributePaths
        readsEventProperties = aggregates.contains { aggregate in
            aggregate.filter?.fieldPaths.contains { path in path.root == "properties" } ?? false
        }
        longestWindowSeconds =
            aggregates.contains { $0.windowSeconds == nil } ? nil : aggregates.compactMap(\.windowSeconds).max()
    }

    /// The segments whose rule the user satisfies (gives exactly `true`).
    package func matching(_ record: ProfileRecord, now: Timestamp) -> [SegmentID] {
        let attributes = attributePaths.map { path in
            record.attributes.map { ExpressionValue($0, at: path[...]) } ?? .null
        }
        var out: [SegmentID] = []
        for entry in entries
        where entry.rule.matches(now: now, { record.value(entry.sources[$0.index], attributes: attributes) }) {
            out.append(entry.id)
        }
        return out
    }
}
