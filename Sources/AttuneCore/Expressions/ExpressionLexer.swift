/// Splits rule source into tokens.
///
/// Works on bytes with explicit bounds checks and no backtracking, so any input is scanned in one
/// linear pass; every malformed construct becomes an `ExpressionFailure` at its byte offset.
struct ExpressionLexer {
    private let bytes: [UInt8]
    private let limits: ExpressionLimits
    private var index = 0

    init(bytes: [UInt8], limits: ExpressionLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// All tokens, ending with `.end`.
    static func tokenize(_ bytes: [UInt8], limits: ExpressionLimits) throws(ExpressionFailure) -> [ExpressionToken] {
        var lexer = ExpressionLexer(bytes: bytes, limits: limits)
        var tokens: [ExpressionToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        let i = index + ahead
        return i < bytes.count ? bytes[i] : nil
    }

    private mutating func next() throws(ExpressionFailure) -> ExpressionToken {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            index += 1
        }
        let start = index
        guard let byte = peek() else { return ExpressionToken(kind: .end, offset: start, length: 0) }
        let kind: ExpressionToken.Kind
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            kind = identifierOrKeyword()
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            kind = try number()
        case UInt8(ascii: "\""):
            kind = .string(try string())
        default:
            kind = .symbol(try symbol())
        }
        return ExpressionToken(kind: kind, offset: start, length: index - start)
    }

    private mutating func identifierOrKeyword() -> ExpressionToken.Kind {
        let start = index
        while let byte = peek(), byte.isIdentifierByte { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        // Keywords are matched case-insensitively (AND, True) because rule authors often come from SQL.
        if index - start <= 5, let keyword = ExpressionToken.Keyword(rawValue: text.lowercasedASCII) {
            return .keyword(keyword)
        }
        return .identifier(text)
    }

    private mutating func number() throws(ExpressionFailure) -> ExpressionToken.Kind {
        let start = index
        skipDigits()
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek(), digit.isDigit else {
                throw ExpressionFailure(.syntax, "expected a digit after the decimal point", at: index)
            }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), digit.isDigit else {
                throw ExpressionFailure(.syntax, "expected a digit in the exponent", at: index)
            }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        // A unit letter right after the digits makes a duration (`90d`); any other letter is a typo.
        var unit: Double?
        if let byte = peek(), byte.isIdentifierByte {
            switch byte {
            case UInt8(ascii: "h"): unit = 3_600
            case UInt8(ascii: "d"): unit = 86_400
            case UInt8(ascii: "w"): unit = 604_800
            default: break
            }
            if unit != nil, let after = peek(1), after.isIdentifierByte { unit = nil }
            guard unit != nil else {
                throw ExpressionFailure(.syntax, "unexpected letter after a number", at: index)
            }
            index += 1
        }
        guard let value = Double(text), value.isFinite else {
            throw ExpressionFailure(.syntax, "number out of range", at: start)
        }
        if let unit { return .duration(value * unit) }
        return .number(value)
    }

    private mutating func skipDigits() {
        while let byte = peek(), byte.isDigit { index += 1 }
    }

    private mutating func string() throws(ExpressionFailure) -> String {
        let start = index
        index += 1
        var decoded: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw ExpressionFailure(.syntax, "unterminated string", at: start)
            }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case 0x00..<0x20:
                throw ExpressionFailure(.syntax, "control character in string; use an escape such as \\n", at: index)
            case 0x00..<0x80:
                decoded.append(byte)
                index += 1
            default:
                guard let length = utf8SequenceLength(bytes, at: index) else {
                    throw ExpressionFailure(.invalidUTF8, "invalid UTF-8", at: index)
                }
                decoded.append(contentsOf: bytes[index..<index + length])
                index += length
            }
            if decoded.count > limits.maxStringBytes {
                throw ExpressionFailure(
                    .limitExceeded, "string longer than \(limits.maxStringBytes) bytes", at: start)
            }
        }
    }

    private mutating func escape(into decoded: inout [UInt8]) throws(ExpressionFailure) {
        let start = index
        index += 1
        guard let byte = peek() else { throw ExpressionFailure(.syntax, "unterminated string", at: start) }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad(escapeStart: start)
            if (0xD800..<0xDC00).contains(scalar) {
                guard peek() == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") else {
                    throw ExpressionFailure(.syntax, "unpaired surrogate in \\u escape", at: start)
                }
                index += 2
                let low = try hexQuad(escapeStart: start)
                guard (0xDC00..<0xE000).contains(low) else {
                    throw ExpressionFailure(.syntax, "unpaired surrogate in \\u escape", at: start)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw ExpressionFailure(.syntax, "unpaired surrogate in \\u escape", at: start)
            }
            // Surrogates are excluded above, so the scalar is valid.
            if let unicode = Unicode.Scalar(scalar) { decoded.append(contentsOf: String(unicode).utf8) }
        default:
            throw ExpressionFailure(.syntax, "unknown escape in string", at: start)
        }
    }

    private mutating func hexQuad(escapeStart: Int) throws(ExpressionFailure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let digit = byte.hexDigitValue else {
                throw ExpressionFailure(.syntax, "expected four hex digits after \\u", at: escapeStart)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func symbol() throws(ExpressionFailure) -> ExpressionToken.Symbol {
        let start = index
        let byte = bytes[index]
        let following = peek(1)
        index += 1
        func pair(_ second: Character, _ long: ExpressionToken.Symbol, else short: ExpressionToken.Symbol?)
            throws(ExpressionFailure) -> ExpressionToken.Symbol
        {
            if following == second.asciiValue {
                index += 1
                return long
            }
            if let short { return short }
            let hint =
                switch long {
                case .equal: "use '==' to compare"
                case .ampersands: "use 'and' or '&&'"
                default: "use 'or' or '||'"
                }
            throw ExpressionFailure(.syntax, "unexpected '\(Character(Unicode.Scalar(byte)))'; \(hint)", at: start)
        }
        switch byte {
        case UInt8(ascii: "("): return .leftParen
        case UInt8(ascii: ")"): return .rightParen
        case UInt8(ascii: "["): return .leftBracket
        case UInt8(ascii: "]"): return .rightBracket
        case UInt8(ascii: ","): return .comma
        case UInt8(ascii: "."): return .dot
        case UInt8(ascii: "+"): return .plus
        case UInt8(ascii: "-"): return .minus
        case UInt8(ascii: "*"): return .star
        case UInt8(ascii: "/"): return .slash
        case UInt8(ascii: "%"): return .percent
        case UInt8(ascii: ":"): return .colon
        case UInt8(ascii: "="): return try pair("=", .equal, else: nil)
        case UInt8(ascii: "!"): return try pair("=", .notEqual, else: .bang)
        case UInt8(ascii: "<"): return try pair("=", .lessEqual, else: .less)
        case UInt8(ascii: ">"): return try pair("=", .greaterEqual, else: .greater)
        case UInt8(ascii: "&"): return try pair("&", .ampersands, else: nil)
        case UInt8(ascii: "|"): return try pair("|", .bars, else: nil)
        case UInt8(ascii: "'"):
            throw ExpressionFailure(.syntax, "strings are written in double quotes", at: start)
        default:
            throw ExpressionFailure(.syntax, "unexpected character \(describeCharacter(at: start))", at: start)
        }
    }

    private func describeCharacter(at offset: Int) -> String {
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte < 0x80 { return "U+\(String(byte, radix: 16, uppercase: true).leftPadded(to: 4))" }
        guard let length = utf8SequenceLength(bytes, at: offset) else { return "(invalid UTF-8)" }
        let text = String(decoding: bytes[offset..<offset + length], as: UTF8.self)
        return text.unicodeScalars.first.map { "U+\(String($0.value, radix: 16, uppercase: true).leftPadded(to: 4))" }
            ?? "(invalid UTF-8)"
    }
}

/// The offset of the first byte that does not start a well-formed UTF-8 sequence, or `nil`.
func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
    var i = 0
    while i < bytes.count {
        if bytes[i] < 0x80 {
            i += 1
        } else if let length = utf8SequenceLength(bytes, at: i) {
            i += length
        } else {
            return i
        }
    }
    return nil
}

/// The length of the well-formed UTF-8 sequence starting at `i` (no overlongs, no surrogates,
/// nothing above U+10FFFF), or `nil`.
func utf8SequenceLength(_ bytes: [UInt8], at i: Int) -> Int? {
    let lead = bytes[i]
    func continuation(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
        i + k < bytes.count && range.contains(bytes[i + k])
    }
    switch lead {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF: return continuation(1) ? 2 : nil
    case 0xE0: return continuation(1, 0xA0...0xBF) && continuation(2) ? 3 : nil
    case 0xE1...0xEC, 0xEE...0xEF: return continuation(1) && continuation(2) ? 3 : nil
    case 0xED: return continuation(1, 0x80...0x9F) && continuation(2) ? 3 : nil
    case 0xF0: return continuation(1, 0x90...0xBF) && continuation(2) && continuation(3) ? 4 : nil
    case 0xF1...0xF3: return continuation(1) && continuation(2) && continuation(3) ? 4 : nil
    case 0xF4: return continuation(1, 0x80...0x8F) && continuation(2) && continuation(3) ? 4 : nil
    default: return nil
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }

    /// Letters, digits and underscore: the bytes that may continue an identifier.
    var isIdentifierByte: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    fileprivate var hexDigitValue: UInt32? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(self - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(self - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(self - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

extension String {
    /// ASCII-only lowercasing: keywords are ASCII, and full Unicode case mapping is not wanted here.
    fileprivate var lowercasedASCII: String {
        String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    fileprivate func leftPadded(to width: Int) -> String {
        utf8.count >= width ? self : String(repeating: "0", count: width - utf8.count) + self
    }
}
