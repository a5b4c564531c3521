import AttuneCore

/// 2025-06-15T15:06:40Z, the "now" of every expression test.
let expressionTestNow = Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)

/// Compiles `source` (any result type) and evaluates it with fields looked up by dotted path.
func evaluateRule(
    _ source: String, _ fields: [String: ExpressionValue] = [:], schema: ExpressionSchema? = nil,
    now: Timestamp = expressionTestNow
) throws(ExpressionError) -> ExpressionValue {
    let rule = try RuleExpression.compile(source, schema: schema, expecting: nil)
    return rule.evaluate(fields: fields, now: now)
}

/// The error `source` fails to compile with, or `nil` when it compiles.
func compileError(
    _ source: String, schema: ExpressionSchema? = nil, expecting: ExpressionType? = nil,
    limits: ExpressionLimits = .standard
) -> ExpressionError? {
    do {
        _ = try RuleExpression.compile(source, schema: schema, expecting: expecting, limits: limits)
        return nil
    } catch {
        return error
    }
}

extension RuleExpression {
    func evaluate(fields: [String: ExpressionValue], now: Timestamp = expressionTestNow) -> ExpressionValue {
        let paths = fieldPaths.map(\.description)
        return evaluate(now: now) { fields[paths[$0.index]] ?? .null }
    }
}

/// SplitMix64: a tiny seeded generator, so every random test is reproducible.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
