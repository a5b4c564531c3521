/// The fixed set of functions a rule may call.
///
/// A closed list keeps rules safe (no function does I/O, loops over input it did not receive, or
/// builds patterns) and lets the checker know every signature:
///
///     lower(s), upper(s)         Unicode case mapping
///     len(s | list)              characters, or elements
///     contains(s | list, x)      the same as `x in s`
///     starts_with(s, prefix), ends_with(s, suffix)
///     exists(path)               the field is present and not null
///     days_since(t)              fractional days from t (seconds, or ISO-8601 text) to "now"
///     abs(n), min(n, n, ...), max(n, n, ...)
///     coalesce(x, y, ...)        the first non-null; later arguments are not evaluated
enum ExpressionFunction: String, CaseIterable {
    case lower, upper, len, contains
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    case exists
    case daysSince = "days_since"
    case abs, min, max, coalesce

    var name: String { rawValue }

    /// The most arguments any call may have.
    static let maxArguments = 16

    var arity: ClosedRange<Int> {
        switch self {
        case .lower, .upper, .len, .exists, .daysSince, .abs: 1...1
        case .contains, .startsWith, .endsWith: 2...2
        case .min, .max: 2...Self.maxArguments
        case .coalesce: 1...Self.maxArguments
        }
    }

    /// The type every argument must admit; `nil` where the checker has a rule of its own.
    var parameterType: ExpressionType? {
        switch self {
        case .lower, .upper, .startsWith, .endsWith: .string
        case .abs, .min, .max: .number
        case .len, .contains, .exists, .daysSince, .coalesce: nil
        }
    }

    var resultType: ExpressionType {
        switch self {
        case .lower, .upper: .string
        case .len, .daysSince, .abs, .min, .max: .number
        case .contains, .startsWith, .endsWith, .exists: .bool
        case .coalesce: .any
        }
    }

    /// Whether the result depends on anything besides the arguments' values (the record or the
    /// clock), which rules out evaluating it at compile time.
    var readsContext: Bool {
        self == .exists || self == .daysSince
    }

    /// Applies the function to evaluated arguments. `exists` and `coalesce` are evaluated by the
    /// evaluator itself (one inspects a field, the other is lazy) and never reach here.
    static func apply(_ function: ExpressionFunction, _ args: ArgumentList, now: Double) -> ExpressionValue {
        switch function {
        case .lower:
            guard case .string(let s) = args[0] else { return .null }
            return .string(s.lowercased())
        case .upper:
            guard case .string(let s) = args[0] else { return .null }
            return .string(s.uppercased())
        case .len:
            switch args[0] {
            case .string(let s): return .number(Double(s.count))
            case .list(let l): return .number(Double(l.count))
            default: return .null
            }
        case .contains:
            return ExpressionSemantics.membership(args[1], in: args[0])
        case .startsWith, .endsWith:
            guard case .string(let s) = args[0], case .string(let affix) = args[1] else { return .null }
            return .bool(function == .startsWith ? s.hasPrefix(affix) : s.hasSuffix(affix))
        case .daysSince:
            let seconds: Double
            switch args[0] {
            case .number(let n): seconds = n
            case .string(let s):
                guard let timestamp = Timestamp(iso8601: s) else { return .null }
                seconds = Double(timestamp.millisecondsSinceEpoch) / 1000
            default: return .null
            }
            return ExpressionSemantics.finite((now - seconds) / 86_400)
        case .abs:
            guard case .number(let n) = args[0] else { return .null }
            return .number(Swift.abs(n))
        case .min, .max:
            guard case .number(var result) = args[0] else { return .null }
            for i in 1..<args.count {
                guard case .number(let n) = args[i] else { return .null }
                result = function == .min ? Swift.min(result, n) : Swift.max(result, n)
            }
            return .number(result)
        case .exists, .coalesce:
            return .null
        }
    }
}

/// Evaluated call arguments. Up to three are held inline, so the common calls allocate nothing.
struct ArgumentList {
    private var first: ExpressionValue = .null
    private var second: ExpressionValue = .null
    private var third: ExpressionValue = .null
    private var rest: [ExpressionValue] = []
    private(set) var count = 0

    init() {}

    mutating func append(_ value: ExpressionValue) {
        switch count {
        case 0: first = value
        case 1: second = value
        case 2: third = value
        default: rest.append(value)
        }
        count += 1
    }

    subscript(position: Int) -> ExpressionValue {
        switch position {
        case 0: first
        case 1: second
        case 2: third
        default: position - 3 < rest.count ? rest[position - 3] : .null
        }
    }
}
