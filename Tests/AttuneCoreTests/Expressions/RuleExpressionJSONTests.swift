import AttuneCore
import Testing

struct RuleExpressionJSONTests {
    let item = try! JSONParser().parse(
        #"""
        {"price": 42.5, "category": "books", "tags": ["new", "sale", 3], "in_stock": true, "discount": null,
         "dims": {"width": 20, "height": {"cm": 30}}, "authors": [{"name": "A"}]}
        """#)
    let user = try! JSONParser().parse(
        #"{"traits": {"age": 34}, "tags": ["sports"], "events": {"purchase": {"count": 5}}, "last_seen": 1749900000}"#)

    @Test(arguments: [
        ("item.price < 50 and item.category != \"adult\"", true),
        ("item.dims.width == 20 and item.dims.height.cm > 25", true),
        ("\"sale\" in item.tags and 3 in item.tags", true),
        ("\"old\" in item.tags", false),
        ("item.in_stock", true),
        ("item.missing == null and not exists(item.missing)", true),
        ("item.discount == null and not exists(item.discount)", true),
        ("item.dims.depth == null and item.price.amount == null and item.tags.first == null", true),
        // Objects are not values: a path ending at one reads as null.
        ("item.dims == null and not exists(item.dims)", true),
        ("len(item.authors) == 1", true),
        ("user.traits.age >= 18", false),
    ])
    func itemPropertiesUnderTheItemRoot(_ source: String, _ expected: Bool) throws {
        let rule = try RuleExpression.compile(source)
        #expect(rule.matches(json: ["item": item], now: expressionTestNow) == expected)
    }

    @Test func severalRootsAtOnce() throws {
        let rule = try RuleExpression.compile(
            #"user.traits.age >= 18 and user.events.purchase.count > 3 and days_since(user.last_seen) < 30"#
                + #" and "sports" in user.tags and item.price < 50"#)
        #expect(rule.matches(json: ["user": user, "item": item], now: expressionTestNow))
        #expect(!rule.matches(json: ["user": user], now: expressionTestNow))
        let later = expressionTestNow.adding(milliseconds: 60 * 86_400_000)
        #expect(!rule.matches(json: ["user": user, "item": item], now: later))
        #expect(rule.evaluate(json: ["user": user, "item": item], now: later) == .bool(false))
    }

    @Test func jsonValuesConvert() throws {
        #expect(ExpressionValue(item, at: ["tags"]) == ["new", "sale", 3])
        #expect(ExpressionValue(item, at: ["authors"]) == [.null])
        #expect(ExpressionValue(item, at: ["dims", "height", "cm"]) == 30)
        #expect(ExpressionValue(item, at: []) == .null)
        #expect(ExpressionValue(.bool(false)) == false)
        #expect(ExpressionValue(Timestamp(millisecondsSinceEpoch: 1_500)) == 1.5)
        #expect(ExpressionValue.list(["a", 1, true, .null]).description == #"["a", 1, true, null]"#)
    }
}
