/// An aggregate over the events of the record's user, read by a rule like a field:
/// `count(events, type == "purchase", within: 90d)` or `sum(events, type == "purchase")`.
///
/// The rule evaluator does not run aggregates itself (it has no events): it gives each one a
/// field slot whose path starts with ``pathRoot``, and the caller computes the value (see
/// ``EventAggregateAccumulator``) and answers it from its resolver like any other field.
package struct EventAggregate: Sendable, Hashable, CustomStringConvertible {
    package enum Function: String, Sendable, Hashable, CaseIterable {
        /// The number of matching events.
        case count
        /// The sum of the matching events' `value` (events without one add nothing).
        case sum
    }

    /// The root of the field paths that stand for aggregates; `@` cannot start a parsed path.
    package static let pathRoot = "@aggregate"
    /// Ten years: a longer window is a typo for "all time", which is written without `within:`.
    package static let maxWindowSeconds: Double = 3_650 * 86_400
    /// The fields a condition may read: `type`, `item`, `value`, `session`, `timestamp` (seconds)
    /// and `properties.*`.
    package static let eventFields: [String: ExpressionType] = [
        "type": .string, "item": .string, "value": .number, "session": .string, "timestamp": .number,
        "properties.*": .any,
    ]

    package let function: Function
    /// Which events count; `nil` counts all.
    package let filter: RuleExpression?
    /// Only events at most this many seconds before "now" count; `nil` for all time.
    package let windowSeconds: Double?
    /// The slot the enclosing rule reads the value from.
    package let slot: FieldSlot
    /// Canonical text, also the path's second segment, so that equal aggregates share a slot.
    package let description: String

    init(function: Function, filter: RuleExpression?, windowSeconds: Double?, slot: FieldSlot, description: String) {
        self.function = function
        self.filter = filter
        self.windowSeconds = windowSeconds
        self.slot = slot
        self.description = description
    }
}
