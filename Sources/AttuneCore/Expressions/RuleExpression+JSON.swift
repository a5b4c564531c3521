extension RuleExpression {
    /// Evaluates the rule with fields read from JSON documents, one per root name: with
    /// `["item": properties]`, `item.size.width` reads `properties["size"]["width"]`.
    ///
    /// A path through a missing member, a non-object or an unknown root reads as `null`; a path
    /// ending at an object reads as `null` too, since objects are not values of the language.
    /// Convenient rather than fastest: each lookup walks the document and converts arrays.
    package func evaluate(json roots: KeyValuePairs<String, JSONValue>, now: Timestamp) -> ExpressionValue {
        let paths = fieldPaths
        return evaluate(now: now) { slot in
            let segments = paths[slot.index].segments
            for (name, document) in roots where name == segments[0] {
                return ExpressionValue(document, at: segments.dropFirst())
            }
            return .null
        }
    }

    /// Whether the rule gives exactly `true` over the JSON documents, as `evaluate(json:now:)`.
    package func matches(json roots: KeyValuePairs<String, JSONValue>, now: Timestamp) -> Bool {
        evaluate(json: roots, now: now).isTrue
    }
}

extension ExpressionValue {
    /// The value at `path` inside `document`, `null` where the path leads nowhere.
    package init(_ document: JSONValue, at path: ArraySlice<String>) {
        var current = document
        for segment in path {
            guard let next = current[segment] else {
                self = .null
                return
            }
            current = next
        }
        self.init(current)
    }
}
