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
    package let readsAttributes: Bool
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
        var readsAttributes = false
        var entries: [Entry] = []
        for (id, rule) in rules {
            for aggregate in rule.aggregates where aggregateIndex[aggregate.description] == nil {
                aggregateIndex[aggregate.description] = aggregates.count
                aggregates.append(aggregate)
            }
            let sources = rule.fieldPaths.map { ProfileFields.source(of: $0, aggregateIndex: aggregateIndex) }
            readsAttributes = readsAttributes || rule.fieldPaths.contains { $0.root == "attributes" }
            entries.append(Entry(id: id, rule: rule, sources: sources))
        }
        self.entries = entries
        self.aggregates = aggregates
        self.readsAttributes = readsAttributes
        readsEventProperties = aggregates.contains { aggregate in
            aggregate.filter?.fieldPaths.contains { path in path.root == "properties" } ?? false
        }
        longestWindowSeconds =
            aggregates.contains { $0.windowSeconds == nil } ? nil : aggregates.compactMap(\.windowSeconds).max()
    }

    /// The segments whose rule the user satisfies (gives exactly `true`).
    package func matching(_ record: ProfileRecord, now: Timestamp) -> [SegmentID] {
        var out: [SegmentID] = []
        for entry in entries where entry.rule.matches(now: now, { record.value(entry.sources[$0.index]) }) {
            out.append(entry.id)
        }
        return out
    }
}
