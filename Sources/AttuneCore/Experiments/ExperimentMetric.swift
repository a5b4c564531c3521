/// A metric computed from events, aggregated per unit (never per event) after the unit's first
/// exposure.
package struct ExperimentMetric: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Share of units with at least one `event` (conversion rate).
        case conversion
        /// Mean number of `event`s per unit.
        case count
        /// Mean sum of the `event`s' values per unit (revenue per user with `purchase`).
        case sum
        /// Σ `event` / Σ `denominator` over units, e.g. click-through rate (`click` over
        /// `impression`), analysed by the delta method because units are the randomisation unit.
        case ratio
    }

    /// Which direction is an improvement; guardrails are checked against the other.
    package enum Direction: String, Sendable, Hashable, CaseIterable {
        case increase
        case decrease
    }

    package var name: String
    package var kind: Kind
    package var event: EventType
    package var denominator: EventType?
    package var direction: Direction

    package init(name: String, kind: Kind, event: EventType, denominator: EventType? = nil, direction: Direction = .increase) {
        self.name = name
        self.kind = kind
        self.event = event
        self.denominator = denominator
        self.direction = direction
    }

    /// The event types whose per-unit counts and sums the metric needs.
    package var eventTypes: [EventType] {
        denominator.map { [event, $0] } ?? [event]
    }
}
