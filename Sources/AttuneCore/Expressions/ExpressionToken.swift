/// One lexical unit of a rule, with the byte range it came from.
struct ExpressionToken: Equatable {
    enum Keyword: String {
        case and, or, not, `in`, `true`, `false`, null
    }

    enum Symbol: String {
        case leftParen = "("
        case rightParen = ")"
        case leftBracket = "["
        case rightBracket = "]"
        case comma = ","
        case dot = "."
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessEqual = "<="
        case greater = ">"
        case greaterEqual = ">="
        case plus = "+"
        case minus = "-"
        case star = "*"
        case slash = "/"
        case percent = "%"
        case ampersands = "&&"
        case bars = "||"
        case bang = "!"
        case colon = ":"
    }

    enum Kind: Equatable {
        case identifier(String)
        case keyword(Keyword)
        case number(Double)
        /// A length of time such as `90d`, `12h` or `2w`, in seconds; only `within:` takes one.
        case duration(Double)
        case string(String)
        case symbol(Symbol)
        case end
    }

    var kind: Kind
    var offset: Int
    var length: Int

    /// How the token is named in an error message; string contents are never shown.
    var quotedForMessage: String {
        switch kind {
        case .identifier(let name): quoted(name)
        case .keyword(let keyword): "'\(keyword.rawValue)'"
        case .number: "a number"
        case .duration: "a duration"
        case .string: "a string"
        case .symbol(let symbol): "'\(symbol.rawValue)'"
        case .end: "the end of the rule"
        }
    }
}
