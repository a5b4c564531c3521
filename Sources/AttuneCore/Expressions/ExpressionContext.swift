/// A dotted field path read by a rule, such as `user.traits.age`.
package struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    /// The names between the dots; the first is the root (`item`, `user`).
    package let segments: [String]

    package init(segments: [String]) {
        self.segments = segments
    }

    package var root: String { segments.first ?? "" }
    package var description: String { segments.joined(separator: ".") }
}

/// The position of a field path in `RuleExpression.fieldPaths`.
///
/// Paths are numbered when the rule is compiled, so a caller can fetch each field once per record
/// into an array and answer lookups by index.
package struct FieldSlot: Hashable, Sendable {
    package let index: Int

    package init(index: Int) {
        self.index = index
    }
}

/// What a rule is evaluated against: one record's fields and the current time.
///
/// Conform a per-record struct (for example one holding an array indexed by slot) to evaluate
/// without allocating.
package protocol ExpressionContext {
    /// The instant `days_since` measures from; injected so evaluation is deterministic.
    var now: Timestamp { get }

    /// The field in `slot`, or `.null` when the record lacks it. May be called more than once per
    /// slot in one evaluation, so it should be cheap and return the same value each time.
    func value(for slot: FieldSlot) -> ExpressionValue
}
