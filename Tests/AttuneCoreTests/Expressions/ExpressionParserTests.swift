import AttuneCore
import Testing

struct ExpressionParserTests {
    @Test(arguments: [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("10 - (4 - 3)", 9),
        ("2 * 3 % 4", 2),
        ("2 * (3 % 4)", 6),
        ("64 / 4 / 2", 8),
        ("-2 * 3", -6),
        ("-(2 + 3) * 2", -10),
        ("2 - -3", 5),
        ("- -3", 3),
        ("1 + 2 - 3 + 4", 4),
        ("7 % 4 * 2", 6),
    ])
    func arithmeticPrecedenceAndLeftAssociativity(_ source: String, _ expected: Double) throws {
        #expect(try evaluateRule(source) == .number(expected))
    }

    @Test(arguments: [
        ("true or false and false", true),
        ("(true or false) and false", false),
        ("not false and false", false),
        ("not (false and false)", true),
        ("not 1 == 2", true),
        ("not not true", true),
        ("1 + 1 == 2 and 2 * 2 == 4", true),
        ("(1 < 2) == true", true),
        ("false or false or true", true),
        ("true and true and false", false),
        ("1 in [1, 2] and 3 not in [1, 2]", true),
        ("! false && true || false", true),
        ("TRUE AND Not FALSE", true),
    ])
    func logicBindsLooserThanComparison(_ source: String, _ expected: Bool) throws {
        #expect(try evaluateRule(source) == .bool(expected))
    }

    @Test func comparisonsDoNotChain() throws {
        let error = try #require(compileError("1 < 2 < 3"))
        #expect(error.code == .syntax)
        #expect(error.description == "comparisons cannot be chained; join them with 'and' at column 7")
        #expect(compileError("(1 < 2) == (2 < 3)") == nil)
    }

    @Test(arguments: [
        ("item.price<50&&item.category!=\"adult\"", #"item.price < 50 and item.category != "adult""#),
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("1 + (2 * 3)", "1 + 2 * 3"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a and (b or c)", "a and (b or c)"),
        ("(a and b) or c", "a and b or c"),
        ("a or (b or c)", "a or (b or c)"),
        ("!(a == b)", "not a == b"),
        ("(not a) == b", "(not a) == b"),
        ("a == (not b)", "a == (not b)"),
        ("-(-x)", "- -x"),
        ("-(-1)", "1"),
        ("-(-(-x))", "- - -x"),
        ("-(a + b)", "-(a + b)"),
        ("-(3)", "-3"),
        ("--3", "3"),
        ("a NOT IN [1,2,]", "a not in [1, 2]"),
        ("x.in.AND", "x.in.AND"),
        ("[1.50, 1e3, 2.5e-7, 1e20, -0]", "[1.5, 1000, 2.5e-07, 1e+20, -0]"),
        (#""tab\there \"q\" \\ \u00e9\ud83d\ude00 \u0001""#, #""tab\there \"q\" \\ é😀 \u0001""#),
        ("coalesce( a ,b )", "coalesce(a, b)"),
        ("(a < b) == (c < d)", "(a < b) == (c < d)"),
        ("Null == NULL", "null == null"),
    ])
    func descriptionIsCanonical(_ source: String, _ canonical: String) throws {
        let rule = try RuleExpression.compile(source, expecting: nil)
        #expect(rule.description == canonical)
        #expect(try RuleExpression.compile(canonical, expecting: nil).description == canonical)
    }

    @Test func multiLineRulesReportLineAndColumn() throws {
        let error = try #require(compileError("item.a == 1 and\n  item.b ==\n"))
        #expect(error.line == 3)
        #expect(error.column == 1)
        #expect(error.description == "expected a value, a field or '(', found the end of the rule at line 3, column 1")
    }

    @Test(arguments: [
        ("(1 + 2", "expected ')', found the end of the rule", 7),
        ("item.price < 50 and (item.category == \"x\"", "expected ')', found the end of the rule", 42),
        ("item.", "expected a field name after '.', found the end of the rule", 6),
        ("item.3", "expected a field name after '.', found a number", 6),
        ("1 = 2", "unexpected '='; use '==' to compare", 3),
        ("a & b", "unexpected '&'; use 'and' or '&&'", 3),
        ("a | b", "unexpected '|'; use 'or' or '||'", 3),
        ("'a'", "strings are written in double quotes", 1),
        ("item.price <", "expected a value, a field or '(', found the end of the rule", 13),
        ("\"abc", "unterminated string", 1),
        ("\"a\\qb\"", "unknown escape in string", 3),
        ("\"\\u12\"", "expected four hex digits after \\u", 2),
        ("\"\\ud800\"", "unpaired surrogate in \\u escape", 2),
        ("1.", "expected a digit after the decimal point", 3),
        ("1e+", "expected a digit in the exponent", 4),
        ("3abc", "unexpected letter after a number", 2),
        ("1e999", "number out of range", 1),
        ("a b", "expected an operator or the end of the rule, found 'b'", 3),
        ("", "expected a value, a field or '(', found the end of the rule", 1),
        ("()", "expected a value, a field or '(', found ')'", 2),
        ("[1 2]", "expected ',' or ']', found a number", 4),
        ("f(1)", "unknown function 'f'", 1),
        ("lowr(item.title) == \"x\"", "unknown function 'lowr' (did you mean 'lower'?)", 1),
        ("1 # 2", "unexpected character '#'", 3),
        ("a == é", "unexpected character U+00E9", 6),
        ("a not b", "expected an operator or the end of the rule, found 'not'", 3),
        ("\"a\nb\"", "control character in string; use an escape such as \\n", 3),
        ("+1", "expected a value, a field or '(', found '+'", 1),
    ])
    func syntaxErrorsSayWhatAndWhere(_ source: String, _ message: String, _ column: Int) throws {
        let error = try #require(compileError(source))
        #expect(error.message == message)
        #expect(error.column == column)
        #expect(error.description == "\(message) at column \(column)")
    }

    @Test func errorsBecomeAttuneErrorsForTheAPI() throws {
        let error = try #require(compileError("(1"))
        let api = error.attuneError(field: "rules[0].filter")
        #expect(api.code == .invalidValue)
        #expect(api.field == "rules[0].filter")
        #expect(api.message == "expected ')', found the end of the rule at column 3")
    }

    @Test func errorMessagesDoNotQuoteStringLiterals() throws {
        let error = try #require(compileError(#"item.email == "alice@example.com" "bob@example.com""#))
        #expect(error.message == "expected an operator or the end of the rule, found a string")
        #expect(!error.description.contains("example"))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let error = try #require(compileError(#""héllo😀" == )"#))
        #expect(error.offset == 16)
        #expect(error.column == 13)
    }

    @Test func invalidUTF8IsRejectedWithItsOffset() throws {
        let bytes: [UInt8] = Array("item.name == \"".utf8) + [0xC3, 0x28] + Array("\"".utf8)
        let error = #expect(throws: ExpressionError.self) {
            try RuleExpression.compile(utf8: bytes)
        }
        #expect(error?.code == .invalidUTF8)
        #expect(error?.offset == 14)
    }

    @Test func keywordsAreCaseInsensitiveButFunctionsAreNot() throws {
        #expect(try evaluateRule("TRUE and not FALSE or NULL == null") == .bool(true))
        #expect(compileError("LOWER(\"A\") == \"a\"")?.message == "unknown function 'LOWER' (did you mean 'lower'?)")
    }

    @Test func fieldPathsAreListedOnceInFirstUseOrder() throws {
        let rule = try RuleExpression.compile(
            "user.traits.age >= 18 and exists(user.email) and user.traits.age < 65 and \"x\" in user.tags")
        #expect(rule.fieldPaths.map(\.description) == ["user.traits.age", "user.email", "user.tags"])
        #expect(rule.fieldPaths[0].segments == ["user", "traits", "age"])
        #expect(rule.fieldPaths[0].root == "user")
        #expect(rule.slot(for: "user.email") == FieldSlot(index: 1))
        #expect(rule.slot(for: "user.name") == nil)
    }

    @Test func rulesAreEqualWhenTheirCanonicalTextIs() throws {
        let a = try RuleExpression.compile("item.a<1&&!item.b")
        let b = try RuleExpression.compile("(item.a < 1) AND NOT item.b")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
    }
}
