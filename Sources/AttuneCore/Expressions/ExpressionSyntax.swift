/// A node of the parsed rule, before type checking and compilation.
///
/// `offset` is where errors about the node point: the operator of a unary or binary node, the
/// start of anything else. `start` is where the node's text begins.
struct ExpressionSyntax {
    indirect enum Kind {
        case literal(ExpressionValue)
        case path([String])
        case list([ExpressionSyntax])
        case unary(UnaryOperator, ExpressionSyntax)
        case binary(BinaryOperator, ExpressionSyntax, ExpressionSyntax)
        case call(ExpressionFunction, [ExpressionSyntax])
        /// `count(events, condition, within: 90d)`: the condition reads event fields, not the
        /// rule's; the window is in seconds, `nil` for all time.
        case aggregate(EventAggregate.Function, filter: ExpressionSyntax?, window: Double?)
    }

    var kind: Kind
    var offset: Int
    var start: Int
}

enum UnaryOperator: String {
    case not
    case negate = "-"
}

enum BinaryOperator: String, CaseIterable {
    case or, and
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case `in`
    case notIn = "not in"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"

    /// Binding strength, higher binds tighter. Comparisons do not chain: `a < b < c` is an error.
    var precedence: Int {
        switch self {
        case .or: Precedence.or
        case .and: Precedence.and
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in, .notIn: Precedence.comparison
        case .add, .subtract: Precedence.additive
        case .multiply, .divide, .remainder: Precedence.multiplicative
        }
    }

    var isOrdering: Bool {
        switch self {
        case .less, .lessEqual, .greater, .greaterEqual: true
        default: false
        }
    }
}

/// Binding strengths shared by the parser and the printer, so that printing adds exactly the
/// parentheses that parsing needs.
enum Precedence {
    static let or = 1
    static let and = 2
    static let not = 3
    static let comparison = 4
    static let additive = 5
    static let multiplicative = 6
    static let negate = 7
    static let primary = 8
}

extension ExpressionSyntax {
    var precedence: Int {
        switch kind {
        case .literal(.number(let n)) where n.sign == .minus: Precedence.negate
        case .literal, .path, .list, .call, .aggregate: Precedence.primary
        case .unary(.not, _): Precedence.not
        case .unary(.negate, _): Precedence.negate
        case .binary(let op, _, _): op.precedence
        }
    }
}
