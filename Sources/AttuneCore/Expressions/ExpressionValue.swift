/// A value of the rule expression language.
///
/// There is no separate time type: a point in time is a number of seconds since the Unix epoch
/// (fractions allowed), which is what `days_since` expects; ISO-8601 strings are accepted there
/// too. JSON objects have no counterpart: rules reach into them with dotted paths instead.
package enum ExpressionValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([ExpressionValue])

    /// The static type this value belongs to.
    package var type: ExpressionType {
        switch self {
        case .null: .null
        case .bool: .bool
        case .number: .number
        case .string: .string
        case .list: .list
        }
    }

    /// Whether the value counts as a match in boolean position: only `true` does, so a missing
    /// field, a `null` from an ill-typed comparison or a number never lets a record through.
    package var isTrue: Bool {
        if case .bool(true) = self { return true }
        return false
    }
}

extension ExpressionValue {
    /// A point in time as the language sees it: seconds since the Unix epoch.
    package init(_ timestamp: Timestamp) {
        self = .number(Double(timestamp.millisecondsSinceEpoch) / 1000)
    }

    /// Converts a JSON value. An object becomes `null`, because the language has no object values;
    /// non-finite numbers cannot occur in parsed JSON and would become `null` as well.
    package init(_ json: JSONValue) {
        switch json {
        case .null, .object: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = n.isFinite ? .number(n) : .null
        case .string(let s): self = .string(s)
        case .array(let elements): self = .list(elements.map(ExpressionValue.init))
        }
    }
}

extension ExpressionValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral
{
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(integerLiteral value: Int) { self = .number(Double(value)) }
    package init(floatLiteral value: Double) { self = .number(value) }
    package init(stringLiteral value: String) { self = .string(value) }
    package init(arrayLiteral elements: ExpressionValue...) { self = .list(elements) }
}

extension ExpressionValue: CustomStringConvertible {
    /// The value written as a literal of the language (`"a\n"`, `[1, true, null]`).
    package var description: String {
        var out = ""
        ExpressionPrinter.write(self, to: &out)
        return out
    }
}
