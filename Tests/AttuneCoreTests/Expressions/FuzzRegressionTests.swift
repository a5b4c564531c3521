import AttuneCore
import Testing

/// Inputs that `scripts/fuzz.sh` found to break a parser, kept so the bug stays fixed.
struct FuzzRegressionTests {
    /// The canonical text of a rule must compile to the same rule: segments store it. Nested
    /// negations printed as `-(-(-x))` gained one parenthesis level per sign, so a rule near the
    /// depth limit compiled but its own canonical text did not.
    @Test(arguments: [
        "aU9wdGlmY2UgKy0tLS0tLS0tLS0tLS0tLS0tdGVhLnRlbS5wZmZmZi1mZlJhbmdlZmZmZWl0ZW0ucGU=",
    ])
    func canonicalTextOfAFuzzedRuleCompiles(_ base64: String) throws {
        let source = try #require(decodeBase64(base64))
        let rule = try RuleExpression.compile(utf8: source, expecting: nil)
        let again = try RuleExpression.compile(rule.description, expecting: nil)
        #expect(again.description == rule.description)
    }

    @Test func negationsAtTheDepthLimitSurviveTheirCanonicalText() throws {
        let depth = ExpressionLimits.standard.maxDepth - 1
        let rule = try RuleExpression.compile(String(repeating: "-", count: depth) + "x", expecting: nil)
        #expect(rule.description == Array(repeating: "-", count: depth).joined(separator: " ") + "x")
        #expect(try RuleExpression.compile(rule.description, expecting: nil).description == rule.description)
    }

    private func decodeBase64(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bits = 0
        var count = 0
        var out: [UInt8] = []
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            bits = bits << 6 | value
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> count))
            }
        }
        return out
    }
}
