import AttuneCore
import Testing

struct ExpressionEvaluationTests {
    let fields: [String: ExpressionValue] = [
        "item.price": 30, "item.category": "books", "item.margin": 0.35, "item.tags": ["new", "sale"],
        "item.flag": true, "item.zero": 0, "item.title": "The Great Gatsby",
    ]

    @Test(arguments: [
        ("item.price == 30", true), ("item.price == 31", false), ("item.price != 31", true),
        ("item.price < 50", true), ("item.price <= 30", true), ("item.price > 30", false), ("item.price >= 30", true),
        ("50 > item.price", true), ("30 >= item.price", true), ("30 < item.price", false), ("31 <= item.price", false),
        (#"item.category == "books""#, true), (#"item.category != "books""#, false),
        (#""books" == item.category"#, true), (#"item.category < "c""#, true), (#"item.category >= "books""#, true),
        (#""apple" < "banana""#, true), (#""Zebra" < "apple""#, true), (#""b" > "abc""#, true),
        ("item.flag == true", true), ("item.flag != false", true),
        ("item.tags == [\"new\", \"sale\"]", true), ("item.tags == [\"sale\", \"new\"]", false),
        ("[1, [2, \"x\"]] == [1, [2, \"x\"]]", true), ("[1, 2] != [1, 2, 3]", true),
        ("item.price == \"30\"", false), ("item.flag == 1", false), ("item.zero == false", false),
        ("\"caf\\u00e9\" == \"cafe\\u0301\"", true),
        ("-0 == 0", true),
    ])
    func comparisons(_ source: String, _ expected: Bool) throws {
        #expect(try evaluateRule(source, fields) == .bool(expected))
    }

    @Test(arguments: [
        ("item.price + 12", 42.0), ("item.price - 40", -10), ("item.price * 1.5", 45), ("item.price / 4", 7.5),
        ("item.price % 7", 2), ("-item.price % 7", -2), ("7.5 % 2", 1.5), ("-item.price", -30),
        ("item.margin * 100", 35),
    ])
    func arithmetic(_ source: String, _ expected: Double) throws {
        #expect(try evaluateRule(source, fields) == .number(expected))
    }

    @Test(arguments: [
        "item.price / 0", "item.price % 0", "item.price / item.zero", "item.price % item.zero", "1e308 * 10",
        "-1e308 - 1e308", "item.missing + 1", "item.category * 2", "-item.category", "-item.missing",
    ])
    func divisionByZeroOverflowAndBadOperandsGiveNull(_ source: String) throws {
        #expect(try evaluateRule(source, fields) == .null)
    }

    @Test func divisionByZeroNeverMatches() throws {
        let rule = try RuleExpression.compile("item.price / item.zero > 2 or item.price / item.zero <= 2")
        #expect(rule.evaluate(fields: fields) == .null)
        #expect(!rule.matches(now: expressionTestNow) { $0.index == 0 ? 30 : 0 })
        #expect(rule.matches(now: expressionTestNow) { $0.index == 0 ? 30 : 1 })
    }

    @Test(arguments: [
        ("item.missing == null", ExpressionValue.bool(true)), ("item.missing != null", false),
        ("item.price == null", false), ("null == null", true), ("item.missing == 0", false),
        ("item.missing != 0", true), (#"item.missing != "adult""#, true), ("item.missing == item.other", true),
        ("item.missing < 5", .null), ("item.missing >= 5", .null), ("5 > item.missing", .null),
        (#"item.missing < "a""#, .null), ("item.category < 5", .null), ("item.flag < item.flag", .null),
        ("item.missing + 1 > 0", .null), ("not item.missing", .null), ("not item.price", .null),
        ("item.missing in [1, null]", true), ("item.missing in [1, 2]", false),
        ("\"x\" in item.missing", false), ("\"x\" not in item.missing", true),
        ("5 in item.category", .null), ("5 in item.price", .null), ("5 not in item.price", .null),
    ])
    func nullSemantics(_ source: String, _ expected: ExpressionValue) throws {
        #expect(try evaluateRule(source, fields) == expected)
    }

    /// Kleene's three-valued logic, with `item.missing < 1` as the unknown value.
    @Test(arguments: [
        ("true and U", ExpressionValue.null), ("false and U", false), ("U and false", false), ("U and true", .null),
        ("true or U", true), ("false or U", .null), ("U or true", true), ("U or false", .null),
        ("U and U", .null), ("U or U", .null), ("not U", .null),
        ("false or U or true", true), ("true and U and false", false), ("U and U and U and true", .null),
    ])
    func threeValuedLogic(_ source: String, _ expected: ExpressionValue) throws {
        let rule = source.replacingUnknown(with: "(item.missing < 1)")
        #expect(try evaluateRule(rule, fields) == expected)
    }

    @Test func nonBooleanFieldsInLogicAreUnknown() throws {
        #expect(try evaluateRule("item.price and true", fields) == .null)
        #expect(try evaluateRule("item.price or false", fields) == .null)
        #expect(try evaluateRule("item.price and false", fields) == .bool(false))
        #expect(try evaluateRule("item.flag and item.flag", fields) == .bool(true))
        #expect(try evaluateRule("item.price and item.price", fields) == .null)
    }

    @Test func onlyTrueMatches() throws {
        for (source, matches) in [
            ("item.flag", true), ("item.price", false), ("item.missing", false), ("item.category", false),
        ] {
            let rule = try RuleExpression.compile(source)
            #expect(
                rule.matches(now: expressionTestNow) { fields[rule.fieldPaths[$0.index].description] ?? .null }
                    == matches)
        }
    }

    @Test func andAndOrShortCircuit() throws {
        let cases: [(String, [String])] = [
            ("false and item.a > 2", []),
            ("item.zero == 1 and item.a > 2", ["item.zero"]),
            ("item.zero == 0 or item.a / 0 > 2", ["item.zero"]),
            ("item.zero == 1 and item.a == 1 and item.b == 1", ["item.zero"]),
            ("item.zero == 0 and (item.a == 1 or item.b == 1)", ["item.zero", "item.a", "item.b"]),
            ("coalesce(item.zero, item.a)", ["item.zero"]),
            ("coalesce(item.missing, item.zero, item.a)", ["item.missing", "item.zero"]),
        ]
        for (source, expected) in cases {
            let rule = try RuleExpression.compile(source, expecting: nil)
            var reads: [String] = []
            _ = rule.evaluate(now: expressionTestNow) { slot in
                let path = rule.fieldPaths[slot.index].description
                reads.append(path)
                return path == "item.zero" ? 0 : path == "item.missing" ? .null : 5
            }
            #expect(reads == expected, "\(source)")
        }
        #expect(try evaluateRule("false and 1 / 0 > 2") == .bool(false))
        #expect(try evaluateRule("true or 1 / 0 > 2") == .bool(true))
    }

    @Test func longChainsOfAlternativesEvaluateInOrder() throws {
        // 120 alternatives are 479 syntax nodes, within the limit of 512.
        let alternatives = (0..<120).map { "item.a == \($0)" }.joined(separator: " or ")
        let rule = try RuleExpression.compile(alternatives)
        for value in [0, 57, 119] {
            var reads = 0
            let hit = rule.matches(now: expressionTestNow) { _ in
                reads += 1
                return .number(Double(value))
            }
            #expect(hit)
            #expect(reads == value + 1)
        }
        #expect(!rule.matches(now: expressionTestNow) { _ in 200 })
        let all = (0..<120).map { "item.a != \($0)" }.joined(separator: " and ")
        #expect(try RuleExpression.compile(all).matches(now: expressionTestNow) { _ in 500 })
    }

    @Test(arguments: [
        ("\"new\" in item.tags", true), ("\"old\" in item.tags", false), ("\"old\" not in item.tags", true),
        ("\"Great\" in item.title", true), ("\"great\" in item.title", false), ("\"\" in item.title", true),
        ("item.category in [\"books\", \"music\"]", true), ("item.category not in [\"books\", \"music\"]", false),
        ("item.price in [10, 20, 30]", true), ("item.price in [\"30\"]", false), ("item.flag in [true]", true),
        ("[\"new\", \"sale\"] in [[\"new\", \"sale\"], 1]", true), ("item.tags in [[\"new\", \"sale\"]]", true),
        ("item.category in [item.category]", true), ("30 in [item.price, 1]", true),
        ("item.category in [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\", \"books\"]", true),
        ("item.category in [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\", \"j\"]", false),
        ("item.missing not in [1, 2]", true),
    ])
    func membership(_ source: String, _ expected: Bool) throws {
        #expect(try evaluateRule(source, fields) == .bool(expected))
    }

    @Test func constantSubexpressionsAreFoldedWithRunTimeSemantics() throws {
        let folded = try RuleExpression.compile("1 + 2 * 3 == 7 and lower(\"A\") == \"a\" and [1, 2] == [1, 2]")
        #expect(folded.fieldPaths.isEmpty)
        #expect(folded.matches(now: expressionTestNow) { _ in .null })
        #expect(folded.description == #"1 + 2 * 3 == 7 and lower("A") == "a" and [1, 2] == [1, 2]"#)
        #expect(try evaluateRule("1 / 0") == .null)
        #expect(try evaluateRule("not null") == .null)
        #expect(try evaluateRule("null and true") == .null)
        #expect(try evaluateRule("true and true") == .bool(true))
    }

    @Test func contextConformersEvaluateWithoutClosures() throws {
        struct Row: ExpressionContext {
            var now: Timestamp
            var values: [ExpressionValue]
            func value(for slot: FieldSlot) -> ExpressionValue { values[slot.index] }
        }
        let rule = try RuleExpression.compile("user.traits.age >= 18 and days_since(user.last_seen) < 30")
        let seen = ExpressionValue(expressionTestNow.adding(milliseconds: -3 * 86_400_000))
        #expect(rule.matches(in: Row(now: expressionTestNow, values: [21, seen])))
        #expect(!rule.matches(in: Row(now: expressionTestNow, values: [17, seen])))
        #expect(
            !rule.matches(in: Row(now: expressionTestNow.adding(milliseconds: 40 * 86_400_000), values: [21, seen])))
        #expect(rule.evaluate(in: Row(now: expressionTestNow, values: [.null, seen])) == .null)
    }
}

extension String {
    fileprivate func replacingUnknown(with replacement: String) -> String {
        split(separator: " ", omittingEmptySubsequences: false).map { $0 == "U" ? replacement : String($0) }
            .joined(separator: " ")
    }
}
