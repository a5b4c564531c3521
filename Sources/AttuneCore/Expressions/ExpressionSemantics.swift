/// The meaning of each operator on run-time values, shared by the evaluator and by constant
/// folding at compile time so that the two can never disagree.
///
/// Strings behave as Swift strings do: equality is Unicode canonical equivalence (`é` precomposed
/// or decomposed is one letter), ordering is by Unicode scalar values, substring tests work on
/// whole characters. None of it depends on the locale.
enum ExpressionSemantics {
    /// `==`: values of different types are unequal; `null == null`.
    static func equal(_ a: ExpressionValue, _ b: ExpressionValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.list(let x), .list(let y)): x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        default: false
        }
    }

    /// A non-logical binary operator on two values.
    static func binary(_ op: BinaryOperator, _ l: ExpressionValue, _ r: ExpressionValue) -> ExpressionValue {
        switch op {
        case .equal: .bool(equal(l, r))
        case .notEqual: .bool(!equal(l, r))
        case .less, .lessEqual, .greater, .greaterEqual: order(op, l, r)
        case .in: membership(l, in: r)
        case .notIn: not(membership(l, in: r))
        case .add, .subtract, .multiply, .divide, .remainder: arithmetic(op, l, r)
        case .and, .or: .null
        }
    }

    /// `< <= > >=` on two numbers or two strings; anything else (including `null`) is `null`.
    static func order(_ op: BinaryOperator, _ a: ExpressionValue, _ b: ExpressionValue) -> ExpressionValue {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return .bool(compare(op, x, y))
        case (.string(let x), .string(let y)):
            return .bool(compare(op, x, y))
        default:
            return .null
        }
    }

    @inline(__always)
    static func compare<T: Comparable>(_ op: BinaryOperator, _ x: T, _ y: T) -> Bool {
        switch op {
        case .less: x < y
        case .lessEqual: x <= y
        case .greater: x > y
        case .greaterEqual: x >= y
        case .equal: x == y
        case .notEqual: x != y
        default: false
        }
    }

    /// `+ - * / %` on numbers. Division by zero, a non-number operand and a non-finite result are
    /// all `null`, so no number in the language is ever infinite or NaN.
    static func arithmetic(_ op: BinaryOperator, _ a: ExpressionValue, _ b: ExpressionValue) -> ExpressionValue {
        guard case .number(let x) = a, case .number(let y) = b else { return .null }
        switch op {
        case .add: return finite(x + y)
        case .subtract: return finite(x - y)
        case .multiply: return finite(x * y)
        case .divide: return y == 0 ? .null : finite(x / y)
        case .remainder: return y == 0 ? .null : finite(x.truncatingRemainder(dividingBy: y))
        default: return .null
        }
    }

    @inline(__always)
    static func finite(_ x: Double) -> ExpressionValue {
        x.isFinite ? .number(x) : .null
    }

    /// `needle in container`: list membership by `==`, or substring for two strings. A missing
    /// (`null`) container reads as empty, so `"a" not in user.tags` holds for users without tags.
    static func membership(_ needle: ExpressionValue, in container: ExpressionValue) -> ExpressionValue {
        switch container {
        case .null:
            return .bool(false)
        case .list(let elements):
            for element in elements where equal(needle, element) { return .bool(true) }
            return .bool(false)
        case .string(let haystack):
            guard case .string(let part) = needle else { return .null }
            return .bool(haystack.contains(part))
        default:
            return .null
        }
    }

    /// Three-valued `not`: `null` (or any non-boolean) stays `null`.
    @inline(__always)
    static func not(_ value: ExpressionValue) -> ExpressionValue {
        if case .bool(let b) = value { return .bool(!b) }
        return .null
    }

    static func negate(_ value: ExpressionValue) -> ExpressionValue {
        if case .number(let n) = value { return .number(-n) }
        return .null
    }
}
