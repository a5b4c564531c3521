/// A compiled rule of the expression language: compile once, evaluate per record.
///
/// Rules filter and boost recommendations over item properties and define segments over user
/// profiles:
///
///     let rule = try RuleExpression.compile(#"item.price < 50 and item.category != "adult""#)
///     // Once per rule: where each field the rule reads comes from.
///     let columns = rule.fieldPaths.map { table.column(named: $0.description) }
///     // Per record: an array lookup per field, no parsing, no dictionaries.
///     let keep = rule.matches(now: clock.now()) { slot in table[row, columns[slot.index]] }
///
/// **Values**: `null`, booleans, numbers (`Double`), strings and lists. A point in time is a number
/// of seconds since the Unix epoch (`ExpressionValue(timestamp)` converts); `days_since` also reads
/// ISO-8601 text.
///
/// **Syntax**, loosest binding first: `or` (`||`); `and` (`&&`); `not` (`!`); the comparisons
/// `== != < <= > >= in` and `not in`, which do not chain; `+ -`; `* / %`; unary `-`. Operands are
/// number literals (`50`, `0.3`, `1e3`), double-quoted strings with JSON escapes, `true`, `false`,
/// `null`, list literals (`[1, "a"]`), dotted field paths (`user.traits.age`, segments
/// `[A-Za-z_][A-Za-z0-9_]*`), parentheses and calls of `lower upper len contains starts_with
/// ends_with exists days_since abs min max coalesce`. Keywords are case-insensitive. Rules over
/// users may also read aggregates of the user's events (see ``EventAggregate``):
/// `count(events, type == "purchase", within: 90d) >= 3`, where durations are `12h`, `90d`, `2w`.
///
/// **Nulls and errors at run time**: a missing field is `null`. `==` and `!=` compare `null` like
/// any value, and values of different types are unequal. Ordering, arithmetic and functions given
/// `null` or the wrong type give `null`, as do division by zero and overflow. `and`, `or` and `not`
/// use three-valued logic (`false and null` is `false`, `true and null` is `null`) and
/// short-circuit left to right. `x in list` tests membership with `==`; `part in text` tests for a
/// substring; a `null` container counts as empty. A rule *matches* only when its result is exactly
/// `true`. Evaluation never traps.
///
/// **Strings** compare as Swift strings: by Unicode canonical equivalence, ordered by scalar values.
///
/// Not named `Expression`, which Foundation also declares.
package struct RuleExpression: Sendable, Hashable, CustomStringConvertible {
    /// The fields the rule reads, indexed by `FieldSlot.index`; each distinct path appears once.
    package let fieldPaths: [FieldPath]
    /// The event aggregates the rule reads, each through its own slot of `fieldPaths` (whose root
    /// is `EventAggregate.pathRoot`); the caller computes them.
    package let aggregates: [EventAggregate]
    /// The static type of the result (`any` when it depends on untyped fields).
    package let resultType: ExpressionType
    /// The canonical text of the rule. It compiles to the same rule; it can be longer than the
    /// source (spaces around operators, escapes), so store it with room to spare.
    package let description: String
    private let root: CompiledNode

    /// Parses, checks and compiles a rule.
    ///
    /// - Parameters:
    ///   - source: The rule text.
    ///   - schema: Field types to check against; `nil` accepts every field as type `any`.
    ///   - expecting: The result type the caller needs; `.bool` (the default) for conditions,
    ///     `nil` to accept any result. A result of type `any` is accepted either way.
    ///   - limits: Size bounds for untrusted input.
    /// - Throws: `ExpressionError` with the position of the first problem.
    /// - Complexity: Linear in the length of the source.
    package static func compile(
        _ source: String, schema: ExpressionSchema? = nil, expecting: ExpressionType? = .bool,
        limits: ExpressionLimits = .standard
    ) throws(ExpressionError) -> RuleExpression {
        try compile(utf8: source.utf8, schema: schema, expecting: expecting, limits: limits)
    }

    /// Compiles a rule given as raw bytes, which may not be valid UTF-8.
    /// - Throws: `ExpressionError`; code `invalidUTF8` for malformed bytes.
    package static func compile(
        utf8 source: some Collection<UInt8>, schema: ExpressionSchema? = nil, expecting: ExpressionType? = .bool,
        limits: ExpressionLimits = .standard
    ) throws(ExpressionError) -> RuleExpression {
        // The length is checked before anything is copied, so an oversized body costs nothing more.
        let maxBytes = min(max(0, limits.maxSourceBytes), Int.max - 1)
        let bytes = Array(source.prefix(maxBytes + 1))
        do throws(ExpressionFailure) {
            guard bytes.count <= maxBytes else {
                throw ExpressionFailure(.limitExceeded, "rule longer than \(maxBytes) bytes", at: maxBytes)
            }
            if let bad = firstInvalidUTF8Offset(bytes) {
                throw ExpressionFailure(.invalidUTF8, "invalid UTF-8", at: bad)
            }
            let syntax = try ExpressionParser.parse(bytes, limits: limits)
            let type = try ExpressionTypeChecker(schema: schema).check(syntax).type
            if let expecting, type != .any, type != expecting {
                let what = expecting == .bool ? "a condition (true or false)" : "a \(expecting)"
                throw ExpressionFailure(.typeMismatch, "rule must be \(what), but gives a \(type)", at: syntax.start)
            }
            return RuleExpression(syntax: syntax, type: type)
        } catch {
            throw error.located(in: bytes)
        }
    }

    init(syntax: ExpressionSyntax, type: ExpressionType) {
        var text = ""
        ExpressionPrinter.write(syntax, to: &text)
        (root, fieldPaths, aggregates) = ExpressionCompiler.compile(syntax)
        resultType = type
        description = text
    }

    /// The slot of a dotted path, or `nil` when the rule does not read it.
    package func slot(for path: String) -> FieldSlot? {
        fieldPaths.firstIndex { $0.description == path }.map(FieldSlot.init(index:))
    }

    /// Evaluates the rule with fields supplied by `resolve`, which gets each slot the evaluation
    /// reaches (possibly more than once) and returns `.null` for a missing field.
    /// - Parameters:
    ///   - now: The instant `days_since` measures from.
    ///   - resolve: The current record's field in a slot of `fieldPaths`.
    /// - Complexity: Linear in the size of the rule, plus whatever `resolve` costs.
    package func evaluate(now: Timestamp, _ resolve: (FieldSlot) -> ExpressionValue) -> ExpressionValue {
        root.value(resolve, now.secondsSinceEpoch)
    }

    /// Whether the rule gives exactly `true`; `false`, `null` and other values do not match.
    package func matches(now: Timestamp, _ resolve: (FieldSlot) -> ExpressionValue) -> Bool {
        root.truth(resolve, now.secondsSinceEpoch) == .true
    }

    /// Evaluates the rule against a context's fields and clock.
    package func evaluate(in context: some ExpressionContext) -> ExpressionValue {
        evaluate(now: context.now) { context.value(for: $0) }
    }

    /// Whether the rule gives exactly `true` against a context's fields and clock.
    package func matches(in context: some ExpressionContext) -> Bool {
        matches(now: context.now) { context.value(for: $0) }
    }

    /// Rules are equal when their canonical texts are.
    package static func == (lhs: RuleExpression, rhs: RuleExpression) -> Bool {
        lhs.description == rhs.description
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}

extension Timestamp {
    fileprivate var secondsSinceEpoch: Double { Double(millisecondsSinceEpoch) / 1000 }
}
