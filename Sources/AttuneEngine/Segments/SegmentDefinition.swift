import AttuneCore

/// A rule segment as a client defines it: `{"name": "...", "rule": "..."}`.
package struct SegmentDefinition: Sendable, Equatable {
    package var name: String
    /// The rule's canonical text.
    package var rule: String

    /// Validates a name and compiles a rule against the profile schema.
    /// - Throws: `AttuneError` invalid value of `name`, or of `rule` with the position of the
    ///   problem in the message (`expected ')' at column 17`).
    package init(name: String, rule: String) throws(AttuneError) {
        self.name = try Segment.validatedName(name)
        do {
            self.rule = try RuleExpression.compile(rule, schema: ProfileFields.schema).description
        } catch {
            throw error.attuneError(field: "rule")
        }
    }

    /// Reads a request body.
    /// - Throws: `AttuneError`: a missing or non-string member, an unknown member, or as `init`.
    package init(json body: JSONValue) throws(AttuneError) {
        guard case .object(let members) = body else {
            throw AttuneError.invalid("", "body must be {\"name\": \"...\", \"rule\": \"...\"}")
        }
        for member in members where member.key != "name" && member.key != "rule" {
            throw AttuneError.invalid(member.key, "is not a member of a segment definition")
        }
        guard let nameValue = body["name"] else { throw AttuneError.missing("name") }
        guard case .string(let name) = nameValue else { throw AttuneError.invalid("name", "must be a string") }
        guard let ruleValue = body["rule"] else { throw AttuneError.missing("rule") }
        guard case .string(let rule) = ruleValue else { throw AttuneError.invalid("rule", "must be a string") }
        try self.init(name: name, rule: rule)
    }
}
