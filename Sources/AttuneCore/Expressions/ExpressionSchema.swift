/// The fields a rule may read and their types, for checking rules when they are saved.
///
/// Keys are dotted paths (`item.price`). A key ending in `.*` covers every path below its prefix
/// (`user.traits.*` admits `user.traits.age`); an exact key wins over a wildcard, and a longer
/// wildcard over a shorter one.
package struct ExpressionSchema: Sendable, Hashable {
    package var fields: [String: ExpressionType]
    /// When `true`, paths the schema does not cover are accepted with type `any`; when `false`
    /// they are a compile error, which catches misspelt field names.
    package var allowsUnknownFields: Bool
    /// The fields a condition of `count(events, ...)` or `sum(events, ...)` may read; `nil` forbids
    /// event aggregates, which only rules over users (segments) can answer.
    package var eventFields: [String: ExpressionType]?

    package init(
        fields: [String: ExpressionType], allowsUnknownFields: Bool = false, eventFields: [String: ExpressionType]? = nil
    ) {
        self.fields = fields
        self.allowsUnknownFields = allowsUnknownFields
        self.eventFields = eventFields
    }

    /// The declared type of `path`, or `nil` when the schema does not cover it.
    package func type(of path: [String]) -> ExpressionType? {
        if let exact = fields[path.joined(separator: ".")] { return exact }
        var prefixCount = path.count - 1
        while prefixCount >= 0 {
            let key = (path.prefix(prefixCount) + ["*"]).joined(separator: ".")
            if let type = fields[key] { return type }
            prefixCount -= 1
        }
        return nil
    }
}
