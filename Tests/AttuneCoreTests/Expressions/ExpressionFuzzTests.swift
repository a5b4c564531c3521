import AttuneCore
import Testing

struct ExpressionFuzzTests {
    @Test func randomBytesEitherCompileOrThrowALocatedError() {
        var rng = SeededRandom(seed: 0xA77E)
        let interesting: [UInt8] =
            Array(#"()[],."\=!<>&|+-*/%' "#.utf8) + Array("\n\tnot and or in true null e E u 0 1 9 _ x item.".utf8)
            + [0x00, 0x7F, 0x80, 0xBF, 0xC3, 0xA9, 0xE2, 0x82, 0xED, 0xF0, 0x9F, 0xF4, 0xFF]
        var compiled = 0
        for _ in 0..<5_000 {
            let count = Int(rng.next() % 48)
            let bytes: [UInt8] = (0..<count).map { _ in
                rng.next() % 4 == 0
                    ? UInt8(truncatingIfNeeded: rng.next()) : interesting[Int(rng.next() % UInt64(interesting.count))]
            }
            do {
                let rule = try RuleExpression.compile(utf8: bytes, expecting: nil)
                _ = rule.evaluate(fields: ["item.x": 1])
                compiled += 1
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
                #expect(error.line >= 1 && error.column >= 1)
                #expect(!error.message.isEmpty)
            }
        }
        #expect(compiled > 0)
    }

    @Test func randomTokenSequencesEitherCompileOrThrow() throws {
        var rng = SeededRandom(seed: 7)
        let vocabulary = [
            "item.a", "item.b", "user.tags", "x", "(", ")", "[", "]", ",", ".", "and", "or", "not", "in", "AND", "&&",
            "||", "!", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "1", "0", "2.5", "1e3", "\"a\"",
            "\"\"", "\"b\\n\"", "true", "false", "null", "lower(", "len(", "contains(", "exists(", "days_since(",
            "min(",
            "coalesce(", "abs(", "starts_with(", "nope(",
        ]
        var compiled = 0
        for _ in 0..<5_000 {
            let count = 1 + Int(rng.next() % 16)
            let source = (0..<count).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }
                .joined(separator: rng.next() % 2 == 0 ? " " : "")
            let rule: RuleExpression
            do {
                rule = try RuleExpression.compile(source, expecting: nil)
            } catch {
                #expect(error.offset >= 0 && error.offset <= source.utf8.count)
                continue
            }
            compiled += 1
            let fields: [String: ExpressionValue] = ["item.a": 2, "item.b": "a", "user.tags": ["a", "b"], "x": true]
            let reparsed = try RuleExpression.compile(rule.description, expecting: nil)
            #expect(reparsed.description == rule.description, "\(source)")
            #expect(reparsed.evaluate(fields: fields) == rule.evaluate(fields: fields), "\(source)")
        }
        #expect(compiled > 50)
    }

    @Test func generatedRulesAgreeWithTheReferenceAndRoundTrip() throws {
        var generator = RandomRuleGenerator(rng: SeededRandom(seed: 2024))
        var compiled = 0
        let trials = 3_000
        for trial in 0..<trials {
            let random = generator.rule(generator.pick(RandomRuleGenerator.Kind.allCases), depth: 1 + trial % 6)
            let source = random.source
            let rule: RuleExpression
            do {
                rule = try RuleExpression.compile(source, expecting: nil)
            } catch {
                // The generator can still build a statically ill-typed rule (`[1] == "a"` through
                // `coalesce`); those must be type errors, never anything else.
                #expect(error.code == .typeMismatch, "\(source): \(error)")
                continue
            }
            compiled += 1
            let canonical = rule.description
            let reparsed = try RuleExpression.compile(canonical, expecting: nil)
            #expect(reparsed.description == canonical, "\(source)")
            for _ in 0..<4 {
                let now = expressionTestNow.adding(milliseconds: Int64(generator.rng.next() % 1_000_000_000))
                let fields = generator.fields(now: now)
                let expected = random.reference(fields, now: now)
                #expect(rule.evaluate(fields: fields, now: now) == expected, "\(source) with \(fields)")
                #expect(reparsed.evaluate(fields: fields, now: now) == expected, "\(canonical) with \(fields)")
                #expect(
                    rule.matches(now: now) { fields[rule.fieldPaths[$0.index].description] ?? .null } == expected.isTrue
                )
            }
        }
        #expect(compiled > trials * 9 / 10)
    }

    @Test(arguments: [
        String(repeating: "(", count: 4_000), String(repeating: "[", count: 4_000),
        String(repeating: "-", count: 4_000),
        String(repeating: "not ", count: 1_000), String(repeating: "abs(", count: 1_000),
        String(repeating: "\"", count: 4_000), "\"" + String(repeating: "\\", count: 4_000),
        String(repeating: "1 + ", count: 1_000), String(repeating: "a.", count: 2_000),
        String(repeating: "a", count: 4_096), String(repeating: "9", count: 4_096),
        "[" + String(repeating: "1,", count: 2_000),
        "\u{0}", "\u{FEFF}true", "true\u{0}", "1e308 * 1e308 > 0", "--------------------------------1",
    ])
    func hostileInputsFailCleanly(_ source: String) {
        do {
            let rule = try RuleExpression.compile(source, expecting: nil)
            _ = rule.evaluate(fields: [:])
        } catch {
            #expect(error.offset <= source.utf8.count)
        }
    }
}
