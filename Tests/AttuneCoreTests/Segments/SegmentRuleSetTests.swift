import AttuneCore
import Testing

/// Evaluating users against a workspace's compiled rule segments.
struct SegmentRuleSetTests {
    let now = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
    let day: Int64 = 86_400_000

    func rules(_ sources: [String: String]) throws -> SegmentRuleSet {
        try SegmentRuleSet(rules: sources.sorted { $0.key < $1.key }.map {
            (SegmentID(unchecked: $0.key), try RuleExpression.compile($0.value, schema: ProfileFields.schema))
        })
    }

    @Test func traitsAttributesAndAggregatesAreRead() throws {
        let set = try rules([
            "buyers": #"count(events, type == "purchase", within: 7d) >= 2"#,
            "big": #"sum(events, type == "purchase") > 100"#,
            "gold": #"attributes.plan == "gold""#,
            "recent": "days_since(traits.last_seen) < 1 and traits.events_by_type.view == 1",
            "none": "traits.events_by_type.click > 0",
        ])
        #expect(set.readsAttributes)
        #expect(set.longestWindowSeconds == nil)
        var traits = ProfileTraits()
        let events: [(String, Double?, Int64)] = [
            ("purchase", 80, now.millisecondsSinceEpoch - 10 * day), ("purchase", 30, now.millisecondsSinceEpoch - day),
            ("view", nil, now.millisecondsSinceEpoch - 3_600_000),
        ]
        var accumulator = EventAggregateAccumulator(set.aggregates, now: now.millisecondsSinceEpoch)
        for (type, value, ts) in events {
            traits.apply(type: type, sessionID: nil, value: value, timestamp: ts)
            accumulator.add(AggregateEvent(type: type, value: value, timestamp: ts))
        }
        let record = ProfileRecord(
            user: "u1", traits: traits, attributes: .object([("plan", .string("gold"))]), aggregates: accumulator.values)
        // One purchase in the last week: not a buyer; 110 spent in all: big.
        #expect(Set(set.matching(record, now: now).map(\.rawValue)) == ["big", "gold", "recent"])
    }

    @Test func windowsAreMeasuredFromNow() throws {
        let set = try rules(["weekly": "count(events, within: 7d) >= 1", "daily": "count(events, within: 24h) >= 1"])
        #expect(set.longestWindowSeconds == Double(7 * 86_400))
        var accumulator = EventAggregateAccumulator(set.aggregates, now: now.millisecondsSinceEpoch)
        accumulator.add(AggregateEvent(type: "view", timestamp: now.millisecondsSinceEpoch - 2 * day))
        let record = ProfileRecord(user: "u1", traits: nil, aggregates: accumulator.values)
        #expect(set.matching(record, now: now).map(\.rawValue) == ["weekly"])
    }

    @Test func segmentEventsAreNotBehaviour() {
        var traits = ProfileTraits()
        traits.apply(type: "segment_entered", sessionID: nil, value: nil, timestamp: 1)
        #expect(traits == ProfileTraits())
        #expect(throws: AttuneError.self) { try EventType.validated("segment_left", field: "type") }
    }
}
