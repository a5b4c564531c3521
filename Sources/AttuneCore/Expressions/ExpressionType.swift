/// The static type of an expression or a schema field, as far as it is known before evaluation.
///
/// Every field may also be missing (read as `null`), so a field typed `.number` still yields `null`
/// for records without it; the checker only rejects combinations that can never make sense.
package enum ExpressionType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case null
    case bool = "boolean"
    case number
    case string
    case list
    /// Unknown until evaluation: fields without a schema, `coalesce` of mixed types.
    case any

    package var description: String { rawValue }

    /// Whether a value of this type can be of `other` at run time (`any` and `null` fit anything).
    func admits(_ other: ExpressionType) -> Bool {
        self == other || self == .any || other == .any || self == .null || other == .null
    }

    /// Whether this type is known and is not `expected` (nor `null`, which every type admits).
    func excludes(_ expected: ExpressionType) -> Bool {
        !admits(expected)
    }
}
