import AttuneCore

/// Business rules over item properties, in the rule language segments also use: a filter that
/// every served item must satisfy (`item.price < 50 and item.category != "adult"`) and boosts that
/// multiply the score of the items a rule matches (`item.margin > 0.3` by 1.2).
///
/// Fields: `item.id`, `item.title`, `item.description`, `item.category` (the first category),
/// `item.categories`, `item.tags`, `item.available`, `item.created_at` and `item.updated_at`
/// (seconds since the epoch), and every property of the item by name (`item.price`). An item the
/// catalogue does not know has only its id, so a filter on anything else leaves it out.
package struct ItemRules: Sendable {
    package struct Boost: Sendable {
        package var rule: RuleExpression
        /// > 0; above 1 promotes, below 1 demotes.
        package var factor: Double

        package init(rule: RuleExpression, factor: Double) {
            self.rule = rule
            self.factor = factor
        }
    }

    package var filter: RuleExpression?
    package var boosts: [Boost] = []

    package init() {}

    package static let maxBoosts = 10
    package static let schema = ExpressionSchema(fields: [
        "item.id": .string, "item.title": .string, "item.description": .string, "item.category": .string,
        "item.categories": .list, "item.tags": .list, "item.available": .bool, "item.created_at": .number,
        "item.updated_at": .number, "item.*": .any,
    ])

    package var isEmpty: Bool { filter == nil && boosts.isEmpty }

    /// Compiles a filter or boost condition from a request.
    /// - Throws: `AttuneError` (invalid value of `field`) with the rule error's position.
    package static func compile(_ source: String, field: String) throws(AttuneError) -> RuleExpression {
        do {
            return try RuleExpression.compile(source, schema: schema)
        } catch {
            throw error.attuneError(field: field)
        }
    }

    /// Parses a `FACTOR:RULE` boost (`1.2:item.margin > 0.3`).
    package static func boost(_ text: String, field: String) throws(AttuneError) -> Boost {
        guard let colon = text.firstIndex(of: ":"), let factor = Double(text[..<colon]), factor > 0, factor.isFinite,
            factor <= 1_000
        else {
            throw AttuneError.invalid(field, "must be FACTOR:RULE with a factor in (0, 1000], e.g. 1.2:item.margin > 0.3")
        }
        return Boost(rule: try compile(String(text[text.index(after: colon)...]), field: field), factor: factor)
    }

    /// Whether `item` passes the filter (always without one).
    func admits(_ fields: ItemFields, now: Timestamp) -> Bool {
        guard let filter else { return true }
        return filter.matches(now: now) { fields.value(of: filter.fieldPaths[$0.index]) }
    }

    /// `score` with every matching boost applied; a negative score is divided instead, so a boost
    /// always moves an item up.
    func boosted(_ score: Float, _ fields: ItemFields, now: Timestamp) -> Float {
        var out = Double(score)
        for boost in boosts where boost.rule.matches(now: now, { fields.value(of: boost.rule.fieldPaths[$0.index]) }) {
            out = out >= 0 ? out * boost.factor : out / boost.factor
        }
        return Float(out)
    }
}

/// The rule fields of one item.
struct ItemFields {
    let id: ItemID
    let item: Item?
    private let properties: JSONValue?

    init(id: ItemID, item: Item?) {
        self.id = id
        self.item = item
        properties = item?.properties.flatMap { try? JSONParser().parse($0) }
    }

    func value(of path: FieldPath) -> ExpressionValue {
        let segments = path.segments
        guard segments.count >= 2, segments[0] == "item" else { return .null }
        if segments.count == 2 {
            switch segments[1] {
            case "id": return .string(id.rawValue)
            case "title": return item?.title.map(ExpressionValue.string) ?? .null
            case "description": return item?.description.map(ExpressionValue.string) ?? .null
            case "category": return item?.categories.first.map(ExpressionValue.string) ?? .null
            case "categories": return item.map { .list($0.categories.map(ExpressionValue.string)) } ?? .null
            case "tags": return item.map { .list($0.tags.map(ExpressionValue.string)) } ?? .null
            case "available": return item.map { .bool($0.available) } ?? .null
            case "created_at": return item.map { .number(Double($0.createdAt.millisecondsSinceEpoch) / 1000) } ?? .null
            case "updated_at": return item.map { .number(Double($0.updatedAt.millisecondsSinceEpoch) / 1000) } ?? .null
            default: break
            }
        }
        guard let properties else { return .null }
        return ExpressionValue(properties, at: segments.dropFirst())
    }
}
