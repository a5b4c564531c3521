/// Why a rule expression did not compile, and where.
///
/// `offset` is the 0-based byte offset into the UTF-8 source; `line` and `column` are 1-based and
/// count characters (Unicode scalars), for people. Messages quote identifiers and operators from
/// the rule but never the contents of string literals, which may hold personal data.
package struct ExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case syntax = "syntax_error"
            case invalidUTF8 = "invalid_utf8"
            case limitExceeded = "limit_exceeded"
            case typeMismatch = "type_mismatch"
            case unknownFunction = "unknown_function"
            case unknownField = "unknown_field"
            case wrongArgumentCount = "wrong_argument_count"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        package static let syntax = Code(.syntax)
        package static let invalidUTF8 = Code(.invalidUTF8)
        package static let limitExceeded = Code(.limitExceeded)
        package static let typeMismatch = Code(.typeMismatch)
        package static let unknownFunction = Code(.unknownFunction)
        package static let unknownField = Code(.unknownField)
        package static let wrongArgumentCount = Code(.wrongArgumentCount)

        package var description: String { base.rawValue }
    }

    package var code: Code
    /// What is wrong, without the position (`expected ')'`).
    package var message: String
    package var offset: Int
    package var line: Int
    package var column: Int

    package init(code: Code, message: String, offset: Int, line: Int, column: Int) {
        self.code = code
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// `expected ')' at column 17`, with the line too when the rule spans several.
    package var description: String {
        line == 1 ? "\(message) at column \(column)" : "\(message) at line \(line), column \(column)"
    }

    /// The error in the domain family, for the one place that maps errors to HTTP responses.
    package func attuneError(field: String) -> AttuneError {
        .invalid(field, description)
    }
}

/// An error before its position is turned into line and column, which needs the source.
struct ExpressionFailure: Error {
    var code: ExpressionError.Code
    var message: String
    var offset: Int

    init(_ code: ExpressionError.Code, _ message: String, at offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    func located(in source: [UInt8]) -> ExpressionError {
        let end = min(max(offset, 0), source.count)
        var line = 1
        var column = 1
        for byte in source[..<end] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return ExpressionError(code: code, message: message, offset: end, line: line, column: column)
    }
}

/// Identifiers and operators quoted in messages are cut short so that a hostile rule cannot make
/// an error message as long as itself.
func quoted(_ text: String) -> String {
    let limit = 40
    guard text.utf8.count > limit else { return "'\(text)'" }
    return "'\(String(decoding: text.utf8.prefix(limit), as: UTF8.self))…'"
}

/// The candidate closest to `name` by edit distance, ignoring ASCII case, if it is close enough to
/// be a likely typo.
func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
    func folded(_ text: String) -> [UInt8] {
        text.utf8.prefix(64).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    }
    let target = folded(name)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(target, folded(candidate))
        if distance <= max(1, min(2, target.count / 3)), distance < (best?.distance ?? .max) {
            best = (candidate, distance)
        }
    }
    return best?.name
}

private func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
