import AttuneCore
import Testing

struct ExpressionLimitsTests {
    @Test func sourceLongerThanTheLimitIsRefusedBeforeParsing() throws {
        let padding = String(repeating: " ", count: 4_096 - 4)
        #expect(compileError("true" + padding) == nil)
        let error = try #require(compileError("true " + padding))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "rule longer than 4096 bytes")
        // Refused on length alone, before the invalid byte at the start is looked at.
        let bytes = [UInt8](repeating: 0xFF, count: 5_000)
        let tooLong = #expect(throws: ExpressionError.self) { try RuleExpression.compile(utf8: bytes) }
        #expect(tooLong?.code == .limitExceeded)
    }

    @Test(arguments: [
        ("(", ")"), ("[", "]"), ("abs(", ")"), ("not ", ""), ("-", ""), ("! ", ""),
    ])
    func nestingDeeperThanTheLimitIsRefused(_ open: String, _ close: String) throws {
        func nested(_ depth: Int) -> String {
            let core = open == "[" ? "1" : (open.hasPrefix("not") || open.hasPrefix("!") ? "true" : "1")
            return String(repeating: open, count: depth) + core + String(repeating: close, count: depth)
        }
        #expect(compileError(nested(32)) == nil, "\(open)")
        let error = try #require(compileError(nested(33)))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "rule nests deeper than 32 levels")
        // Hostile depth is refused at the first level past the limit, without deep recursion.
        let hostile = try #require(compileError(nested(1_000)))
        #expect(hostile.code == .limitExceeded)
    }

    @Test func chainsDoNotCountAsNesting() throws {
        let chain = (0..<100).map { "item.a == \($0)" }.joined(separator: " or ")
        #expect(compileError(chain) == nil)
        let sum = (0..<200).map { _ in "1" }.joined(separator: " + ")
        #expect(try evaluateRule(sum) == .number(200))
    }

    @Test func moreNodesThanTheLimitAreRefused() throws {
        // n terms joined by + are 2n - 1 nodes; the negation makes 512.
        let fits = "-(" + (0..<256).map { _ in "a" }.joined(separator: " + ") + ")"
        #expect(compileError(fits) == nil)
        let tooMany = "-(" + (0..<256).map { _ in "a" }.joined(separator: " + ") + " + a)"
        let error = try #require(compileError(tooMany))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "rule has more than 512 parts")
    }

    @Test func listsLongerThanTheLimitAreRefused() throws {
        let fits = "item.a in [" + (0..<256).map(String.init).joined(separator: ", ") + "]"
        #expect(compileError(fits) == nil)
        let tooLong = "item.a in [" + (0..<257).map(String.init).joined(separator: ", ") + "]"
        let error = try #require(compileError(tooLong))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "list has more than 256 elements")
    }

    @Test func stringsLongerThanTheLimitAreRefused() throws {
        let fits = "item.a == \"" + String(repeating: "é", count: 512) + "\""
        #expect(compileError(fits) == nil)
        let tooLong = "item.a == \"" + String(repeating: "x", count: 1_025) + "\""
        let error = try #require(compileError(tooLong))
        #expect(error.code == .limitExceeded)
        #expect(error.message == "string longer than 1024 bytes")
        #expect(error.column == 11)
        // Escapes count as what they decode to.
        let escaped = "item.a == \"" + String(repeating: "\\u00e9", count: 513) + "\""
        #expect(compileError(escaped)?.code == .limitExceeded)
    }

    @Test func limitsCanBeTightened() throws {
        let strict = ExpressionLimits(
            maxSourceBytes: 64, maxDepth: 2, maxNodes: 5, maxListElements: 2, maxStringBytes: 3)
        #expect(compileError("((1))", limits: strict) == nil)
        #expect(compileError("(((1)))", limits: strict)?.message == "rule nests deeper than 2 levels")
        #expect(compileError("1 + 2 + 3 > 0", limits: strict)?.message == "rule has more than 5 parts")
        #expect(compileError("a in [1, 2, 3]", limits: strict)?.message == "list has more than 2 elements")
        #expect(compileError("a == \"abcd\"", limits: strict)?.message == "string longer than 3 bytes")
        #expect(compileError(String(repeating: " ", count: 65), limits: strict)?.message == "rule longer than 64 bytes")
    }
}
