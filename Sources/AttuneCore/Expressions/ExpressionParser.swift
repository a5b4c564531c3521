/// Recursive-descent parser from tokens to `ExpressionSyntax`.
///
/// Grammar, loosest binding first:
///
///     rule       := or
///     or         := and (("or" | "||") and)*
///     and        := not (("and" | "&&") not)*
///     not        := ("not" | "!") not | comparison
///     comparison := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") sum)?
///     sum        := product (("+" | "-") product)*
///     product    := unary (("*" | "/" | "%") unary)*
///     unary      := "-" unary | primary
///     primary    := number | string | "true" | "false" | "null" | list | call | path | "(" rule ")"
///     list       := "[" (rule ("," rule)* ","?)? "]"
///     call       := name "(" (rule ("," rule)*)? ")" | aggregate
///     aggregate  := ("count" | "sum") "(" "events" ("," rule)? ("," "within" ":" duration)? ")"
///     path       := name ("." segment)*
///
/// Recursion happens only through brackets and prefix operators, each of which counts against
/// `maxDepth`, so the parser's stack use is bounded whatever the input.
struct ExpressionParser {
    private let tokens: [ExpressionToken]
    private let source: [UInt8]
    private let limits: ExpressionLimits
    private var position = 0
    private var depth = 0
    private var nodeCount = 0

    static func parse(_ source: [UInt8], limits: ExpressionLimits) throws(ExpressionFailure) -> ExpressionSyntax {
        let tokens = try ExpressionLexer.tokenize(source, limits: limits)
        var parser = ExpressionParser(tokens: tokens, source: source, limits: limits)
        let root = try parser.parseOr()
        guard parser.current.kind == .end else {
            throw parser.unexpected(expecting: "an operator or the end of the rule")
        }
        return root
    }

    private init(tokens: [ExpressionToken], source: [UInt8], limits: ExpressionLimits) {
        self.tokens = tokens
        self.source = source
        self.limits = limits
    }

    private var current: ExpressionToken { tokens[position] }

    private func peekKind(_ ahead: Int) -> ExpressionToken.Kind {
        position + ahead < tokens.count ? tokens[position + ahead].kind : .end
    }

    private mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    private func unexpected(expecting expected: String) -> ExpressionFailure {
        ExpressionFailure(.syntax, "expected \(expected), found \(current.quotedForMessage)", at: current.offset)
    }

    private mutating func expect(_ symbol: ExpressionToken.Symbol) throws(ExpressionFailure) {
        guard current.kind == .symbol(symbol) else { throw unexpected(expecting: "'\(symbol.rawValue)'") }
        advance()
    }

    private mutating func node(_ kind: ExpressionSyntax.Kind, offset: Int, start: Int) throws(ExpressionFailure)
        -> ExpressionSyntax
    {
        nodeCount += 1
        guard nodeCount <= limits.maxNodes else {
            throw ExpressionFailure(.limitExceeded, "rule has more than \(limits.maxNodes) parts", at: offset)
        }
        return ExpressionSyntax(kind: kind, offset: offset, start: start)
    }

    private mutating func nested<T>(_ body: (inout ExpressionParser) throws(ExpressionFailure) -> T)
        throws(ExpressionFailure) -> T
    {
        guard depth < limits.maxDepth else {
            throw ExpressionFailure(
                .limitExceeded, "rule nests deeper than \(limits.maxDepth) levels", at: current.offset)
        }
        depth += 1
        defer { depth -= 1 }
        return try body(&self)
    }

    // MARK: - Operators

    private mutating func parseOr() throws(ExpressionFailure) -> ExpressionSyntax {
        var left = try parseAnd()
        while current.kind == .keyword(.or) || current.kind == .symbol(.bars) {
            let offset = current.offset
            advance()
            let right = try parseAnd()
            left = try node(.binary(.or, left, right), offset: offset, start: left.start)
        }
        return left
    }

    private mutating func parseAnd() throws(ExpressionFailure) -> ExpressionSyntax {
        var left = try parseNot()
        while current.kind == .keyword(.and) || current.kind == .symbol(.ampersands) {
            let offset = current.offset
            advance()
            let right = try parseNot()
            left = try node(.binary(.and, left, right), offset: offset, start: left.start)
        }
        return left
    }

    private mutating func parseNot() throws(ExpressionFailure) -> ExpressionSyntax {
        guard current.kind == .keyword(.not) || current.kind == .symbol(.bang) else { return try parseComparison() }
        let offset = current.offset
        advance()
        let operand = try nested { (parser) throws(ExpressionFailure) in try parser.parseNot() }
        return try node(.unary(.not, operand), offset: offset, start: offset)
    }

    private func comparisonOperator() -> (BinaryOperator, tokenCount: Int)? {
        switch current.kind {
        case .symbol(.equal): (.equal, 1)
        case .symbol(.notEqual): (.notEqual, 1)
        case .symbol(.less): (.less, 1)
        case .symbol(.lessEqual): (.lessEqual, 1)
        case .symbol(.greater): (.greater, 1)
        case .symbol(.greaterEqual): (.greaterEqual, 1)
        case .keyword(.in): (.in, 1)
        case .keyword(.not) where peekKind(1) == .keyword(.in): (.notIn, 2)
        default: nil
        }
    }

    private mutating func parseComparison() throws(ExpressionFailure) -> ExpressionSyntax {
        let left = try parseSum()
        guard let (op, tokenCount) = comparisonOperator() else { return left }
        let offset = current.offset
        for _ in 0..<tokenCount { advance() }
        let right = try parseSum()
        if comparisonOperator() != nil {
            throw ExpressionFailure(
                .syntax, "comparisons cannot be chained; join them with 'and'", at: current.offset)
        }
        return try node(.binary(op, left, right), offset: offset, start: left.start)
    }

    private mutating func parseSum() throws(ExpressionFailure) -> ExpressionSyntax {
        var left = try parseProduct()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .symbol(.plus): op = .add
            case .symbol(.minus): op = .subtract
            default: return left
            }
            let offset = current.offset
            advance()
            let right = try parseProduct()
            left = try node(.binary(op, left, right), offset: offset, start: left.start)
        }
    }

    private mutating func parseProduct() throws(ExpressionFailure) -> ExpressionSyntax {
        var left = try parseUnary()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .symbol(.star): op = .multiply
            case .symbol(.slash): op = .divide
            case .symbol(.percent): op = .remainder
            default: return left
            }
            let offset = current.offset
            advance()
            let right = try parseUnary()
            left = try node(.binary(op, left, right), offset: offset, start: left.start)
        }
    }

    private mutating func parseUnary() throws(ExpressionFailure) -> ExpressionSyntax {
        guard current.kind == .symbol(.minus) else { return try parsePrimary() }
        let offset = current.offset
        advance()
        var operand = try nested { (parser) throws(ExpressionFailure) in try parser.parseUnary() }
        // A negated number literal is itself a literal, so `-3` prints and re-parses as one node.
        if case .literal(.number(let n)) = operand.kind {
            operand.kind = .literal(.number(-n))
            operand.offset = offset
            operand.start = offset
            return operand
        }
        return try node(.unary(.negate, operand), offset: offset, start: offset)
    }

    // MARK: - Operands

    private mutating func parsePrimary() throws(ExpressionFailure) -> ExpressionSyntax {
        let token = current
        switch token.kind {
        case .number(let n):
            advance()
            return try node(.literal(.number(n)), offset: token.offset, start: token.offset)
        case .string(let s):
            advance()
            return try node(.literal(.string(s)), offset: token.offset, start: token.offset)
        case .keyword(.true), .keyword(.false):
            advance()
            return try node(.literal(.bool(token.kind == .keyword(.true))), offset: token.offset, start: token.offset)
        case .keyword(.null):
            advance()
            return try node(.literal(.null), offset: token.offset, start: token.offset)
        case .symbol(.leftParen):
            advance()
            let inner = try nested { (parser) throws(ExpressionFailure) in try parser.parseOr() }
            try expect(.rightParen)
            return inner
        case .symbol(.leftBracket):
            return try parseList()
        case .identifier(let name):
            if peekKind(1) == .symbol(.leftParen), let function = EventAggregate.Function(rawValue: name) {
                return try parseAggregate(function)
            }
            if peekKind(1) == .symbol(.leftParen) { return try parseCall(name) }
            return try parsePath(name)
        case .duration:
            throw ExpressionFailure(
                .syntax, "a duration such as 90d is only allowed after 'within:' in count() or sum()", at: token.offset)
        default:
            throw unexpected(expecting: "a value, a field or '('")
        }
    }

    /// `count(events, type == "purchase", within: 90d)`; `sum` adds up the matching events' values.
    private mutating func parseAggregate(_ function: EventAggregate.Function) throws(ExpressionFailure)
        -> ExpressionSyntax
    {
        let offset = current.offset
        advance()
        advance()
        let (filter, window) = try nested { (parser) throws(ExpressionFailure) in
            try parser.parseAggregateArguments(function)
        }
        return try node(.aggregate(function, filter: filter, window: window), offset: offset, start: offset)
    }

    private mutating func parseAggregateArguments(_ function: EventAggregate.Function) throws(ExpressionFailure)
        -> (ExpressionSyntax?, Double?)
    {
        let name = "\(function.rawValue)()"
        guard case .identifier("events") = current.kind, peekKind(1) != .symbol(.dot) else {
            throw ExpressionFailure(.syntax, "the first argument of \(name) must be 'events'", at: current.offset)
        }
        advance()
        var filter: ExpressionSyntax?
        var window: Double?
        while current.kind == .symbol(.comma) {
            advance()
            if case .identifier(let option) = current.kind, peekKind(1) == .symbol(.colon) {
                guard option == "within" else {
                    throw ExpressionFailure(
                        .syntax, "unknown option \(quoted(option)) of \(name); it takes 'within:'", at: current.offset)
                }
                guard window == nil else {
                    throw ExpressionFailure(.syntax, "'within:' is given twice", at: current.offset)
                }
                advance()
                advance()
                guard case .duration(let seconds) = current.kind else {
                    throw unexpected(expecting: "a duration such as 12h, 90d or 2w")
                }
                guard seconds > 0, seconds <= EventAggregate.maxWindowSeconds else {
                    throw ExpressionFailure(
                        .limitExceeded, "the window must be longer than 0 and at most 3650d", at: current.offset)
                }
                window = seconds
                advance()
            } else {
                guard filter == nil, window == nil else {
                    throw ExpressionFailure(
                        .syntax, "\(name) takes one condition, then 'within:'", at: current.offset)
                }
                filter = try parseOr()
            }
        }
        try expect(.rightParen)
        return (filter, window)
    }

    private mutating func parseList() throws(ExpressionFailure) -> ExpressionSyntax {
        let offset = current.offset
        advance()
        let elements = try nested { (parser) throws(ExpressionFailure) in
            try parser.parseSequence(closedBy: .rightBracket, maxCount: parser.limits.maxListElements, what: "list")
        }
        return try node(.list(elements), offset: offset, start: offset)
    }

    private mutating func parseCall(_ name: String) throws(ExpressionFailure) -> ExpressionSyntax {
        let offset = current.offset
        guard let function = ExpressionFunction(rawValue: name) else {
            var message = "unknown function \(quoted(name))"
            let names = ExpressionFunction.allCases.map(\.name) + EventAggregate.Function.allCases.map(\.rawValue)
            if let near = suggestion(for: name, among: names) {
                message += " (did you mean '\(near)'?)"
            }
            throw ExpressionFailure(.unknownFunction, message, at: offset)
        }
        advance()
        advance()
        let arguments = try nested { (parser) throws(ExpressionFailure) in
            try parser.parseSequence(closedBy: .rightParen, maxCount: ExpressionFunction.maxArguments, what: "call")
        }
        guard function.arity.contains(arguments.count) else {
            throw ExpressionFailure(.wrongArgumentCount, arityMessage(function, arguments.count), at: offset)
        }
        if function == .exists {
            guard case .path = arguments[0].kind else {
                throw ExpressionFailure(.typeMismatch, "exists() takes a field path", at: arguments[0].start)
            }
        }
        return try node(.call(function, arguments), offset: offset, start: offset)
    }

    private func arityMessage(_ function: ExpressionFunction, _ count: Int) -> String {
        let range = function.arity
        let expected =
            range.count == 1
            ? "\(range.lowerBound) argument\(range.lowerBound == 1 ? "" : "s")"
            : "\(range.lowerBound) to \(range.upperBound) arguments"
        return "\(function.name)() takes \(expected), got \(count)"
    }

    /// Comma-separated rules up to the closing symbol, which is consumed; a trailing comma is fine.
    private mutating func parseSequence(closedBy close: ExpressionToken.Symbol, maxCount: Int, what: String)
        throws(ExpressionFailure) -> [ExpressionSyntax]
    {
        var elements: [ExpressionSyntax] = []
        while current.kind != .symbol(close) {
            if elements.count == maxCount {
                let message =
                    what == "list"
                    ? "list has more than \(maxCount) elements" : "too many arguments (at most \(maxCount))"
                throw ExpressionFailure(
                    what == "list" ? .limitExceeded : .wrongArgumentCount, message, at: current.offset)
            }
            elements.append(try parseOr())
            if current.kind == .symbol(.comma) {
                advance()
            } else if current.kind != .symbol(close) {
                throw unexpected(expecting: "',' or '\(close.rawValue)'")
            }
        }
        advance()
        return elements
    }

    private mutating func parsePath(_ root: String) throws(ExpressionFailure) -> ExpressionSyntax {
        let offset = current.offset
        var segments = [root]
        advance()
        while current.kind == .symbol(.dot) {
            advance()
            switch current.kind {
            case .identifier(let name):
                segments.append(name)
            case .keyword:
                // After a dot a keyword is just a name (`item.in`), as written.
                segments.append(
                    String(decoding: source[current.offset..<current.offset + current.length], as: UTF8.self))
            default:
                throw unexpected(expecting: "a field name after '.'")
            }
            advance()
        }
        return try node(.path(segments), offset: offset, start: offset)
    }
}
