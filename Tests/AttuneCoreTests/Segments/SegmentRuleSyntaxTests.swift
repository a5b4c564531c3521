import AttuneCore
import Testing

/// Event aggregates in segment rules: syntax, canonical text, errors with their position.
struct SegmentRuleSyntaxTests {
    func compile(_ source: String) throws(ExpressionError) -> RuleExpression {
        try RuleExpression.compile(source, schema: ProfileFields.schema)
    }

    func error(_ source: String, schema: ExpressionSchema? = ProfileFields.schema) -> ExpressionError? {
        do {
            _ = try RuleExpression.compile(source, schema: schema)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        (#"count(events, type == "purchase", within: 90d) >= 3"#, #"count(events, type == "purchase", within: 90d) >= 3"#),
        (#"sum(events,type=="purchase",within:14d)>=100"#, #"sum(events, type == "purchase", within: 2w) >= 100"#),
        ("count(events) > 0", "count(events) > 0"),
        ("count(events, within: 36h) > 0", "count(events, within: 36h) > 0"),
        ("count(events, within: 1.5d) > 0", "count(events, within: 36h) > 0"),
        (#"count(events, properties.plan == "pro" and value > 3) > 0 or days_since(traits.last_seen) < 30"#,
         #"count(events, properties.plan == "pro" and value > 3) > 0 or days_since(traits.last_seen) < 30"#),
    ])
    func aggregatesPrintCanonicallyAndRecompile(_ source: String, _ canonical: String) throws {
        let rule = try compile(source)
        #expect(rule.description == canonical)
        #expect(try compile(rule.description) == rule)
        #expect(rule.aggregates.count == 1)
        #expect(rule.fieldPaths[rule.aggregates[0].slot.index].root == EventAggregate.pathRoot)
    }

    @Test func theSameAggregateWrittenTwiceIsComputedOnce() throws {
        let rule = try compile(#"count(events, type == "view") > 2 and count(events, type=="view") < 10"#)
        #expect(rule.aggregates.count == 1)
    }

    @Test(arguments: [
        (#"count(events, type == "purchase", within: 90x) > 1"#, "unexpected letter after a number", 45),
        ("count(users) > 1", "the first argument of count() must be 'events'", 7),
        ("count(events.value) > 1", "the first argument of count() must be 'events'", 7),
        ("count(events, within: 0d) > 1", "the window must be longer than 0 and at most 3650d", 23),
        ("count(events, within: 4000d) > 1", "the window must be longer than 0 and at most 3650d", 23),
        (#"count(events, type == "purchase", during: 9d) > 1"#, "unknown option 'during' of count(); it takes 'within:'", 35),
        (#"count(events, within: 9d, type == "x") > 1"#, "count() takes one condition, then 'within:'", 27),
        ("count(events, within: 9d, within: 9d) > 1", "'within:' is given twice", 27),
        ("count(events, within: 90) > 1", "expected a duration such as 12h, 90d or 2w, found a number", 23),
        ("traits.events > 90d", "a duration such as 90d is only allowed after 'within:' in count() or sum()", 17),
        ("count(events, within: 9d > 1", "expected ')', found '>'", 26),
        (#"count(events, typo == "x") > 1"#, "unknown field 'typo' (did you mean 'type'?)", 15),
        ("count(events, value + 1) > 1", "the condition of count() must be true or false, got number", 15),
        (#"count(events) == "many""#, "'==' compares number with string, which are never equal", 15),
        ("traits.evnts > 3", "unknown field 'traits.evnts' (did you mean 'traits.events'?)", 1),
        ("cont(events) > 3", "unknown function 'cont' (did you mean 'count'?)", 1),
        ("count(events, count(events) > 1) > 1", "count(events, ...) is only available in segment rules", 15),
    ])
    func errorsSayWhatAndWhere(_ source: String, _ message: String, _ column: Int) throws {
        let failure = try #require(error(source))
        #expect(failure.message == message)
        #expect(failure.column == column)
    }

    @Test func rulesOverItemsCannotReadEvents() throws {
        let failure = try #require(error("count(events) > 1", schema: ExpressionSchema(fields: ["item.*": .any])))
        #expect(failure.code == .unknownFunction)
        #expect(failure.column == 1)
    }

    @Test func hostileRulesHitTheLimits() throws {
        let deep = String(repeating: "count(events, ", count: 40) + "true" + String(repeating: ") > 0", count: 40)
        #expect(error(deep) != nil)
        let nested = String(repeating: "(", count: 40) + "count(events) > 1" + String(repeating: ")", count: 40)
        #expect(error(nested)?.code == .limitExceeded)
        let long = (0..<400).map { _ in #"count(events, type == "view") > 1"# }.joined(separator: " or ")
        #expect(error(long)?.code == .limitExceeded)
        let hugeWindow = "count(events, within: 99999999999999999999999999999d) > 1"
        #expect(error(hugeWindow)?.code == .limitExceeded)
        #expect(error("count(events, within: 1e999d) > 1")?.message == "number out of range")
    }
}
