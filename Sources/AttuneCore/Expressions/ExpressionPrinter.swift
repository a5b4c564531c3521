/// Writes syntax back as canonical rule text: lowercase keywords, word operators (`and`, not
/// `&&`), one space around binary operators, and only the parentheses that precedence requires.
///
/// Parsing the output gives the same tree, so the canonical text is a safe storage form.
enum ExpressionPrinter {
    static func write(_ node: ExpressionSyntax, to out: inout String) {
        switch node.kind {
        case .literal(let value):
            write(value, to: &out)
        case .path(let segments):
            for (i, segment) in segments.enumerated() {
                if i > 0 { out += "." }
                out += segment
            }
        case .list(let elements):
            out += "["
            writeSeparated(elements, to: &out)
            out += "]"
        case .call(let function, let arguments):
            out += function.name
            out += "("
            writeSeparated(arguments, to: &out)
            out += ")"
        case .aggregate(let function, let filter, let window):
            out += function.rawValue
            out += "(events"
            if let filter {
                out += ", "
                write(filter, to: &out)
            }
            if let window {
                out += ", within: "
                writeDuration(window, to: &out)
            }
            out += ")"
        case .unary(.not, let operand):
            out += "not "
            write(operand, parenthesized: operand.precedence < Precedence.not, to: &out)
        case .unary(.negate, let operand):
            out += "-"
            var inner = ""
            write(operand, parenthesized: operand.precedence < Precedence.negate, to: &inner)
            // `- -x`: not `--x`, which reads like a decrement, and not `-(-x)`, whose parentheses
            // add nesting the source did not have, so that a rule near the depth limit would no
            // longer compile from its own canonical text.
            if inner.hasPrefix("-") { out += " " }
            out += inner
        case .binary(let op, let left, let right):
            let p = op.precedence
            // Comparisons do not chain, so a comparison operand of a comparison needs parentheses.
            let leftNeedsParentheses = left.precedence < p || (p == Precedence.comparison && left.precedence == p)
            write(left, parenthesized: leftNeedsParentheses, to: &out)
            out += " "
            out += op.rawValue
            out += " "
            write(right, parenthesized: right.precedence <= p, to: &out)
        }
    }

    private static func write(_ node: ExpressionSyntax, parenthesized: Bool, to out: inout String) {
        if parenthesized { out += "(" }
        write(node, to: &out)
        if parenthesized { out += ")" }
    }

    private static func writeSeparated(_ nodes: [ExpressionSyntax], to out: inout String) {
        for (i, node) in nodes.enumerated() {
            if i > 0 { out += ", " }
            write(node, to: &out)
        }
    }

    static func write(_ value: ExpressionValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): writeNumber(n, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .list(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += ", " }
                write(element, to: &out)
            }
            out += "]"
        }
    }

    /// The largest unit that divides the window evenly, so `90d` prints as written.
    static func writeDuration(_ seconds: Double, to out: inout String) {
        for (unit, letter) in [(604_800.0, "w"), (86_400, "d"), (3_600, "h")] {
            let count = seconds / unit
            if count == count.rounded() || unit == 3_600 {
                writeNumber(count, to: &out)
                out += letter
                return
            }
        }
    }

    /// Integers print without a fraction (`50`, not `50.0`); other numbers use Swift's shortest
    /// representation that reads back to the same `Double` (`0.1`, `1e+20`).
    private static func writeNumber(_ n: Double, to out: inout String) {
        if n == 0 {
            out += n.sign == .minus ? "-0" : "0"
        } else if n == n.rounded(), Swift.abs(n) < 1e15 {
            out += String(Int64(n))
        } else {
            out += n.description
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0}"..<"\u{20}", "\u{7F}":
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.utf8.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
