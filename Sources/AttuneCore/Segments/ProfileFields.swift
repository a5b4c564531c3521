/// The fields a segment rule reads about a user, and where each comes from.
///
/// - `traits.*`: computed from events (``ProfileTraits``): `events`, `sessions`,
///   `mean_session_seconds`, `purchases`, `monetary`, and the instants `first_seen`, `last_seen`,
///   `last_purchase` in seconds since the epoch (null before the first such event), for
///   `days_since(traits.last_seen) > 30`; `traits.events_by_type.purchase` counts one type (0 when none).
/// - `attributes.*`: what `identify` declared about the user, untyped (`attributes.plan == "gold"`).
/// - `user.id`.
/// - `count(events, ...)` and `sum(events, ...)` over the user's events (``EventAggregate``).
package enum ProfileFields {
    package static let schema = ExpressionSchema(
        fields: [
            "traits.events": .number, "traits.sessions": .number, "traits.mean_session_seconds": .number,
            "traits.purchases": .number, "traits.monetary": .number, "traits.first_seen": .number,
            "traits.last_seen": .number, "traits.last_purchase": .number, "traits.events_by_type.*": .number,
            "attributes.*": .any, "user.id": .string,
        ],
        eventFields: EventAggregate.eventFields)

    /// What one slot of a rule resolves to, worked out once per rule so that evaluation is a switch.
    enum Source: Sendable {
        case aggregate(Int)
        case trait(Trait)
        case eventsOfType(String)
        /// An index into the set's distinct attribute paths, each read once per user.
        case attribute(Int)
        case userID
        case missing
    }

    enum Trait: Sendable {
        case events, sessions, meanSessionSeconds, purchases, monetary, firstSeen, lastSeen, lastPurchase
    }

    /// - Parameters:
    ///   - aggregateIndex: where an aggregate's value sits in the accumulator, by its text.
    ///   - attributeIndex: where a declared attribute's value sits, by its path below `attributes`.
    static func source(of path: FieldPath, aggregateIndex: [String: Int], attributeIndex: [[String]: Int]) -> Source {
        let s = path.segments
        switch s.first {
        case EventAggregate.pathRoot:
            return s.count == 2 ? aggregateIndex[s[1]].map(Source.aggregate) ?? .missing : .missing
        case "attributes" where s.count >= 2:
            return attributeIndex[Array(s.dropFirst())].map(Source.attribute) ?? .missing
        case "user" where s == ["user", "id"]:
            return .userID
        case "traits" where s.count == 3 && s[1] == "events_by_type":
            return .eventsOfType(s[2])
        case "traits" where s.count == 2:
            let traits: [String: Trait] = [
                "events": .events, "sessions": .sessions, "mean_session_seconds": .meanSessionSeconds,
                "purchases": .purchases, "monetary": .monetary, "first_seen": .firstSeen, "last_seen": .lastSeen,
                "last_purchase": .lastPurchase,
            ]
            return traits[s[1]].map(Source.trait) ?? .missing
        default:
            return .missing
        }
    }
}

/// One user as segment rules see them.
package struct ProfileRecord {
    package var user: String
    /// `nil` for a user known only from `identify`.
    package var traits: ProfileTraits?
    /// Declared traits (a JSON object), when any rule reads `attributes.*`.
    package var attributes: JSONValue?
    /// The values of ``SegmentRuleSet/aggregates``, in order.
    package var aggregates: [Double]

    package init(user: String, traits: ProfileTraits?, attributes: JSONValue? = nil, aggregates: [Double] = []) {
        self.user = user
        self.traits = traits
        self.attributes = attributes
        self.aggregates = aggregates
    }

    /// - Parameter attributes: the values of the rule set's attribute paths for this user.
    func value(_ source: ProfileFields.Source, attributes: [ExpressionValue]) -> ExpressionValue {
        switch source {
        case .aggregate(let index): return index < aggregates.count ? .number(aggregates[index]) : .null
        case .attribute(let index): return attributes[index]
        case .userID: return .string(user)
        case .eventsOfType(let type): return .number(Double(traits?.countsByType[type] ?? 0))
        case .trait(let trait): return value(trait)
        case .missing: return .null
        }
    }

    /// Reads the stored traits in place: copying them (their counts dictionary) per field showed.
    private func value(_ trait: ProfileFields.Trait) -> ExpressionValue {
        func instant(_ ms: Int64) -> ExpressionValue { .number(Double(ms) / 1000) }
        let events = traits?.eventCount ?? 0
        switch trait {
        case .events: return .number(Double(events))
        case .sessions: return .number(Double(traits?.sessionCount ?? 0))
        case .meanSessionSeconds: return .number(traits?.meanSessionSeconds ?? 0)
        case .purchases: return .number(Double(traits?.purchaseCount ?? 0))
        case .monetary: return .number(traits?.monetary ?? 0)
        case .firstSeen: return events > 0 ? instant(traits?.firstSeen ?? 0) : .null
        case .lastSeen: return events > 0 ? instant(traits?.lastSeen ?? 0) : .null
        case .lastPurchase: return traits?.lastPurchase.map(instant) ?? .null
        }
    }
}
