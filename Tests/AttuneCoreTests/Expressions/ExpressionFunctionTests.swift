import AttuneCore
import Testing

struct ExpressionFunctionTests {
    let fields: [String: ExpressionValue] = [
        "item.title": "Café Olé", "item.tags": ["a", "b", "c"], "item.price": -12.5,
        "user.last_seen": ExpressionValue(expressionTestNow.adding(milliseconds: -36 * 3_600_000)),
        "user.signup": "2025-06-01T15:06:40Z", "user.bad_date": "yesterday", "user.nickname": "",
    ]

    @Test(arguments: [
        (#"lower(item.title)"#, ExpressionValue.string("café olé")),
        (#"upper(item.title)"#, "CAFÉ OLÉ"),
        (#"lower(item.missing)"#, .null), (#"upper(item.price)"#, .null),
        (#"len(item.title)"#, 8), (#"len("e\u0301")"#, 1), (#"len(item.tags)"#, 3), (#"len([])"#, 0),
        (#"len(item.missing)"#, .null), (#"len(item.price)"#, .null),
        (#"contains(item.title, "Olé")"#, true), (#"contains(item.title, "ole")"#, false),
        (#"contains(item.tags, "b")"#, true), (#"contains(item.tags, "z")"#, false),
        (#"contains(item.missing, "z")"#, false), (#"contains(item.title, item.price)"#, .null),
        (#"starts_with(item.title, "Caf")"#, true), (#"starts_with(item.title, "Olé")"#, false),
        (#"ends_with(item.title, "Olé")"#, true), (#"ends_with(item.title, "Caf")"#, false),
        (#"starts_with(item.missing, "x")"#, .null), (#"ends_with(item.title, item.missing)"#, .null),
        (#"starts_with(item.title, "")"#, true),
        (#"exists(item.title)"#, true), (#"exists(item.missing)"#, false), (#"exists(user.nickname)"#, true),
        (#"days_since(user.last_seen)"#, 1.5), (#"days_since(user.signup)"#, 14),
        (#"days_since(user.bad_date)"#, .null), (#"days_since(item.missing)"#, .null),
        (#"days_since(item.tags)"#, .null),
        (#"abs(item.price)"#, 12.5), (#"abs(3)"#, 3), (#"abs(item.missing)"#, .null),
        (#"min(item.price, 3, -20)"#, -20), (#"max(item.price, 3, -20)"#, 3), (#"min(1, item.missing)"#, .null),
        (#"max(1, item.title)"#, .null),
        (#"coalesce(item.missing, item.title)"#, "Café Olé"), (#"coalesce(item.missing, null)"#, .null),
        (#"coalesce(null, 3)"#, 3), (#"coalesce(item.price, 0)"#, -12.5), (#"coalesce(item.missing)"#, .null),
    ])
    func functions(_ source: String, _ expected: ExpressionValue) throws {
        #expect(try evaluateRule(source, fields) == expected)
    }

    @Test func daysSinceMeasuresFromTheInjectedNow() throws {
        let rule = try RuleExpression.compile("days_since(user.last_seen) < 30")
        let lastSeen = ExpressionValue(expressionTestNow.adding(milliseconds: -29 * 86_400_000))
        #expect(rule.matches(now: expressionTestNow) { _ in lastSeen })
        #expect(!rule.matches(now: expressionTestNow.adding(milliseconds: 2 * 86_400_000)) { _ in lastSeen })
        // Not folded at compile time even with a constant argument: it depends on "now".
        let constant = try RuleExpression.compile("days_since(0)", expecting: nil)
        #expect(constant.evaluate(now: Timestamp(millisecondsSinceEpoch: 86_400_000)) { _ in .null } == 1)
        #expect(constant.evaluate(now: Timestamp(millisecondsSinceEpoch: 172_800_000)) { _ in .null } == 2)
    }

    @Test(arguments: [
        ("lower()", "lower() takes 1 argument, got 0"),
        ("lower(a, b)", "lower() takes 1 argument, got 2"),
        ("contains(a)", "contains() takes 2 arguments, got 1"),
        ("min(a)", "min() takes 2 to 16 arguments, got 1"),
        ("coalesce()", "coalesce() takes 1 to 16 arguments, got 0"),
        ("max(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17)", "too many arguments (at most 16)"),
    ])
    func wrongArgumentCountsAreCompileErrors(_ source: String, _ message: String) throws {
        let error = try #require(compileError(source))
        #expect(error.code == .wrongArgumentCount)
        #expect(error.message == message)
    }

    @Test(arguments: [
        ("exists(1)", "exists() takes a field path"),
        ("exists(lower(a))", "exists() takes a field path"),
        ("lower(1)", "argument 1 of lower() must be a string, got number"),
        ("starts_with(\"a\", 1)", "argument 2 of starts_with() must be a string, got number"),
        ("abs(\"a\")", "argument 1 of abs() must be a number, got string"),
        ("max(1, true)", "argument 2 of max() must be a number, got boolean"),
        ("len(3)", "argument 1 of len() must be a string or a list, got number"),
        ("contains(3, 1)", "argument 1 of contains() must be a string or a list, got number"),
        ("contains(\"abc\", 1)", "argument 2 of contains() must be a string when searching a string, got number"),
        ("days_since(true)", "argument 1 of days_since() must be a timestamp (seconds or ISO-8601 text), got boolean"),
        ("unknown_fn(1)", "unknown function 'unknown_fn'"),
        ("uper(a)", "unknown function 'uper' (did you mean 'upper'?)"),
        ("dayssince(a)", "unknown function 'dayssince' (did you mean 'days_since'?)"),
        ("item.lower(a)", "expected an operator or the end of the rule, found '('"),
    ])
    func functionMisuseIsACompileError(_ source: String, _ message: String) throws {
        let error = try #require(compileError(source))
        #expect(error.message == message)
    }
}
