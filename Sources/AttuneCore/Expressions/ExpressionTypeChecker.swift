/// Infers static types and rejects rules that can never make sense.
///
/// Without a schema every field is `any`, so only mistakes visible from literals and operators are
/// caught (`1 < "a"`, `not 3`); with one, field types and names are checked too. A rule that
/// passes may still meet `null` or an unexpected type at run time, which the evaluator handles.
struct ExpressionTypeChecker {
    /// A type plus, for lists, the type shared by all elements (`any` when mixed or unknown).
    struct Inferred {
        var type: ExpressionType
        var element: ExpressionType = .any
    }

    let schema: ExpressionSchema?

    func check(_ node: ExpressionSyntax) throws(ExpressionFailure) -> Inferred {
        switch node.kind {
        case .literal(let value):
            return Inferred(type: value.type)
        case .path(let segments):
            return Inferred(type: try fieldType(segments, at: node.offset))
        case .list(let elements):
            var element: ExpressionType?
            for e in elements {
                let t = try check(e).type
                if t == .null { continue }
                element = element == nil || element == t ? t : .any
            }
            return Inferred(type: .list, element: element ?? .any)
        case .unary(.not, let operand):
            try require(.bool, try check(operand).type, "'not' needs a boolean", at: operand.start)
            return Inferred(type: .bool)
        case .unary(.negate, let operand):
            try require(.number, try check(operand).type, "'-' needs a number", at: operand.start)
            return Inferred(type: .number)
        case .binary(let op, let left, let right):
            return try checkBinary(op, left, right, at: node.offset)
        case .call(let function, let arguments):
            return try checkCall(function, arguments)
        case .aggregate(let function, let filter, _):
            try checkAggregate(function, filter, at: node.offset)
            return Inferred(type: .number)
        }
    }

    /// The condition is checked against the event fields; without a schema any field goes, but
    /// aggregates never nest (the condition's own schema has no event fields).
    private func checkAggregate(_ function: EventAggregate.Function, _ filter: ExpressionSyntax?, at offset: Int)
        throws(ExpressionFailure)
    {
        let eventSchema: ExpressionSchema
        if let schema {
            guard let fields = schema.eventFields else {
                throw ExpressionFailure(
                    .unknownFunction, "\(function.rawValue)(events, ...) is only available in segment rules", at: offset)
            }
            eventSchema = ExpressionSchema(fields: fields)
        } else {
            eventSchema = ExpressionSchema(fields: [:], allowsUnknownFields: true)
        }
        guard let filter else { return }
        let type = try ExpressionTypeChecker(schema: eventSchema).check(filter).type
        try require(.bool, type, "the condition of \(function.rawValue)() must be true or false", at: filter.start)
    }

    private func fieldType(_ segments: [String], at offset: Int) throws(ExpressionFailure) -> ExpressionType {
        guard let schema else { return .any }
        if let type = schema.type(of: segments) { return type }
        if schema.allowsUnknownFields { return .any }
        let path = segments.joined(separator: ".")
        var message = "unknown field \(quoted(path))"
        if let near = suggestion(for: path, among: schema.fields.keys.filter { !$0.hasSuffix(".*") }) {
            message += " (did you mean '\(near)'?)"
        }
        throw ExpressionFailure(.unknownField, message, at: offset)
    }

    private func require(_ expected: ExpressionType, _ actual: ExpressionType, _ what: String, at offset: Int)
        throws(ExpressionFailure)
    {
        if actual.excludes(expected) {
            throw ExpressionFailure(.typeMismatch, "\(what), got \(actual)", at: offset)
        }
    }

    private func checkBinary(_ op: BinaryOperator, _ left: ExpressionSyntax, _ right: ExpressionSyntax, at offset: Int)
        throws(ExpressionFailure) -> Inferred
    {
        let l = try check(left)
        let r = try check(right)
        let name = "'\(op.rawValue)'"
        switch op {
        case .and, .or:
            try require(.bool, l.type, "\(name) needs booleans", at: left.start)
            try require(.bool, r.type, "\(name) needs booleans", at: right.start)
        case .equal, .notEqual:
            if l.type.isKnown, r.type.isKnown, l.type != r.type {
                throw ExpressionFailure(
                    .typeMismatch, "\(name) compares \(l.type) with \(r.type), which are never equal", at: offset)
            }
        case .less, .lessEqual, .greater, .greaterEqual:
            if l.type == .null || r.type == .null {
                throw ExpressionFailure(
                    .typeMismatch, "\(name) with null is always null; test with '== null' instead", at: offset)
            }
            for (side, type) in [(left, l.type), (right, r.type)] where type == .bool || type == .list {
                throw ExpressionFailure(.typeMismatch, "\(name) needs numbers or strings, got \(type)", at: side.start)
            }
            if l.type.isKnown, r.type.isKnown, l.type != r.type {
                throw ExpressionFailure(.typeMismatch, "\(name) cannot order \(l.type) against \(r.type)", at: offset)
            }
        case .in, .notIn:
            try checkMembership(needle: l, container: r, at: offset, containerStart: right.start)
        case .add, .subtract, .multiply, .divide, .remainder:
            try require(.number, l.type, "\(name) needs numbers", at: left.start)
            try require(.number, r.type, "\(name) needs numbers", at: right.start)
            return Inferred(type: .number)
        }
        return Inferred(type: .bool)
    }

    private func checkMembership(needle: Inferred, container: Inferred, at offset: Int, containerStart: Int)
        throws(ExpressionFailure)
    {
        switch container.type {
        case .list:
            if needle.type.isKnown, container.element.isKnown, needle.type != container.element {
                throw ExpressionFailure(
                    .typeMismatch, "'in' looks for a \(needle.type) in a list of \(container.element)s", at: offset)
            }
        case .string:
            try require(.string, needle.type, "'in' on a string looks for a substring, so needs a string", at: offset)
        case .any:
            break
        case .null, .bool, .number:
            throw ExpressionFailure(
                .typeMismatch, "'in' needs a list or a string on the right, got \(container.type)", at: containerStart)
        }
    }

    private func checkCall(_ function: ExpressionFunction, _ arguments: [ExpressionSyntax]) throws(ExpressionFailure)
        -> Inferred
    {
        var types: [Inferred] = []
        for (position, argument) in arguments.enumerated() {
            let inferred = try check(argument)
            types.append(inferred)
            if let expected = function.parameterType {
                try require(
                    expected, inferred.type, "argument \(position + 1) of \(function.name)() must be a \(expected)",
                    at: argument.start)
            }
        }
        let what = "argument 1 of \(function.name)()"
        switch function {
        case .len:
            try requireOneOf(
                [.string, .list], types[0].type, "\(what) must be a string or a list", at: arguments[0].start)
        case .contains:
            try requireOneOf(
                [.string, .list], types[0].type, "\(what) must be a string or a list", at: arguments[0].start)
            if types[0].type == .string {
                try require(
                    .string, types[1].type, "argument 2 of contains() must be a string when searching a string",
                    at: arguments[1].start)
            }
        case .daysSince:
            try requireOneOf(
                [.number, .string], types[0].type, "\(what) must be a timestamp (seconds or ISO-8601 text)",
                at: arguments[0].start)
        case .coalesce:
            var joined: ExpressionType?
            for t in types where t.type != .null {
                joined = joined == nil || joined == t.type ? t.type : .any
            }
            return Inferred(type: joined ?? .null)
        default:
            break
        }
        return Inferred(type: function.resultType)
    }

    private func requireOneOf(_ allowed: [ExpressionType], _ actual: ExpressionType, _ message: String, at offset: Int)
        throws(ExpressionFailure)
    {
        if actual.isKnown, !allowed.contains(actual) {
            throw ExpressionFailure(.typeMismatch, "\(message), got \(actual)", at: offset)
        }
    }
}

extension ExpressionType {
    /// A definite type: neither `any` nor the type of the `null` literal.
    var isKnown: Bool { self != .any && self != .null }
}
