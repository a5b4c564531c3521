import AttuneCore
import AttuneEngine
import AttuneStore

/// JSON shapes of the API's resources, defined once.
enum Rendering {
    static func json(_ stored: StoredEvent) -> JSONValue { stored.json }

    static func json(_ item: Item) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("id", .string(item.id.rawValue))]
        members.append(("title", item.title.map(JSONValue.string) ?? .null))
        members.append(("description", item.description.map(JSONValue.string) ?? .null))
        members.append(("categories", .array(item.categories.map(JSONValue.string))))
        members.append(("tags", .array(item.tags.map(JSONValue.string))))
        members.append(("properties", item.properties.flatMap(parsed) ?? .object([])))
        members.append(("available", .bool(item.available)))
        members.append(("createdAt", .string(item.createdAt.iso8601)))
        members.append(("updatedAt", .string(item.updatedAt.iso8601)))
        return .object(members)
    }

    static func json(_ segment: Segment, members: Int) -> JSONValue {
        let explanation: JSONValue = segment.explanation.map { e -> JSONValue in
            .object([
                ("rules", .string(e.rules)), ("fidelity", .number(e.fidelity)),
                ("features", .array(e.features.map(JSONValue.string))),
                ("centroid", .array(e.centroid.map(JSONValue.number))),
            ])
        } ?? .null
        return .object([
            ("id", .string(segment.id.rawValue)), ("name", .string(segment.name)), ("kind", .string(segment.kind.rawValue)),
            ("rule", segment.rule.map(JSONValue.string) ?? .null), ("explanation", explanation),
            ("members", .number(Double(members))), ("createdAt", .string(segment.createdAt.iso8601)),
            ("updatedAt", .string(segment.updatedAt.iso8601)),
        ])
    }

    static func json(_ error: AttuneError) -> JSONValue {
        APIError(error).json["error"] ?? .null
    }

    private static func parsed(_ text: String) -> JSONValue? {
        try? JSONParser().parse(text)
    }
}
