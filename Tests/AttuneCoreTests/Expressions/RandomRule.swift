import AttuneCore

/// A random rule built by the tests, printed fully parenthesised and evaluated by a reference
/// interpreter written straight from the documented semantics, to check the compiler (constant
/// folding, fused comparisons, balanced logic) against something simple.
indirect enum RandomRule {
    case literal(ExpressionValue)
    case field(String)
    case list([RandomRule])
    case not(RandomRule)
    case negate(RandomRule)
    case binary(String, RandomRule, RandomRule)
    case call(String, [RandomRule])

    static let fieldNames = ["item.n", "item.s", "item.b", "item.l", "item.x", "item.missing", "user.t"]

    var source: String {
        switch self {
        case .literal(let value): Self.literalSource(value)
        case .field(let path): path
        case .list(let elements): "[" + elements.map(\.source).joined(separator: ", ") + "]"
        case .not(let operand): "(not \(operand.source))"
        case .negate(let operand): "(-\(operand.source))"
        case .binary(let op, let left, let right): "(\(left.source) \(op) \(right.source))"
        case .call(let name, let arguments): "\(name)(" + arguments.map(\.source).joined(separator: ", ") + ")"
        }
    }

    private static func literalSource(_ value: ExpressionValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n < 0 ? "(-\(-n))" : "\(n)"
        case .string(let s):
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .list(let elements): return "[" + elements.map(literalSource).joined(separator: ", ") + "]"
        }
    }
}

// MARK: - Generation

/// Builds rules that mostly type-check: each operand is generated for the type its operator needs;
/// fields are untyped, so their run-time values still exercise every mismatch.
struct RandomRuleGenerator {
    enum Kind: CaseIterable { case bool, number, string, list }

    var rng: SeededRandom

    mutating func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }

    mutating func field() -> RandomRule { .field(pick(RandomRule.fieldNames)) }

    mutating func number() -> ExpressionValue {
        pick([.number(Double(rng.next() % 20)), .number(Double(rng.next() % 2000) / 8 - 50), .number(0)])
    }

    mutating func string() -> ExpressionValue {
        let alphabet = ["a", "B", "é", "e\u{301}", "\"", "\\", " ", "\n", "z", "ab"]
        return .string((0..<Int(rng.next() % 4)).map { _ in pick(alphabet) }.joined())
    }

    mutating func rule(_ kind: Kind, depth: Int) -> RandomRule {
        if depth <= 0 || chance(20) {
            if chance(35) { return field() }
            switch kind {
            case .bool: return .literal(.bool(chance(50)))
            case .number: return .literal(number())
            case .string: return .literal(string())
            case .list: return .list((0..<Int(rng.next() % 3)).map { _ in .literal(chance(50) ? number() : string()) })
            }
        }
        let d = depth - 1
        switch kind {
        case .bool:
            switch rng.next() % 9 {
            case 0, 1:
                let operands: Kind = chance(50) ? .number : .string
                return .binary(
                    pick(["==", "!=", "<", "<=", ">", ">="]), rule(operands, depth: d), rule(operands, depth: d))
            case 2, 3: return .binary(pick(["and", "or"]), rule(.bool, depth: d), rule(.bool, depth: d))
            case 4: return .not(rule(.bool, depth: d))
            case 5:
                let needle: Kind = chance(50) ? .number : .string
                let container =
                    chance(70) ? rule(.list, depth: d) : needle == .string ? rule(.string, depth: d) : field()
                return .binary(pick(["in", "not in"]), rule(needle, depth: d), container)
            case 6: return .binary(pick(["==", "!="]), rule(.bool, depth: d), rule(.bool, depth: d))
            case 7:
                return .call(
                    pick(["starts_with", "ends_with", "contains"]), [rule(.string, depth: d), rule(.string, depth: d)])
            default: return .call("exists", [field()])
            }
        case .number:
            switch rng.next() % 8 {
            case 0, 1, 2:
                return .binary(pick(["+", "-", "*", "/", "%"]), rule(.number, depth: d), rule(.number, depth: d))
            case 3: return .negate(rule(.number, depth: d))
            case 4: return .call("len", [rule(chance(50) ? .string : .list, depth: d)])
            case 5: return .call(pick(["abs", "days_since"]), [chance(50) ? field() : rule(.number, depth: d)])
            case 6:
                return .call(pick(["min", "max"]), (0..<2 + Int(rng.next() % 2)).map { _ in rule(.number, depth: d) })
            default: return .call("coalesce", [field(), rule(.number, depth: d)])
            }
        case .string:
            switch rng.next() % 3 {
            case 0: return .call(pick(["lower", "upper"]), [rule(.string, depth: d)])
            case 1: return .call("coalesce", [field(), rule(.string, depth: d)])
            default: return .literal(string())
            }
        case .list:
            let element: Kind = chance(50) ? .number : .string
            return .list((0..<Int(rng.next() % 4)).map { _ in rule(element, depth: d) })
        }
    }

    /// Values for every field, of any type, sometimes missing.
    mutating func fields(now: Timestamp) -> [String: ExpressionValue] {
        var fields: [String: ExpressionValue] = [:]
        let seconds = Double(now.millisecondsSinceEpoch) / 1000
        for name in RandomRule.fieldNames where name != "item.missing" && !chance(15) {
            switch name {
            case "item.n": fields[name] = chance(85) ? number() : string()
            case "item.s": fields[name] = chance(85) ? string() : number()
            case "item.b": fields[name] = chance(85) ? .bool(chance(50)) : number()
            case "item.l": fields[name] = .list((0..<Int(rng.next() % 4)).map { _ in chance(50) ? number() : string() })
            case "user.t":
                fields[name] = pick([.number(seconds - Double(rng.next() % 5_000_000)), "2025-06-01T00:00:00Z", "nope"])
            default: fields[name] = pick([number(), string(), .bool(chance(50)), .null, .list([number(), string()])])
            }
        }
        return fields
    }
}

// MARK: - Reference semantics

extension RandomRule {
    func reference(_ fields: [String: ExpressionValue], now: Timestamp) -> ExpressionValue {
        let eval = { (rule: RandomRule) in rule.reference(fields, now: now) }
        switch self {
        case .literal(let value): return value
        case .field(let path): return fields[path] ?? .null
        case .list(let elements): return .list(elements.map(eval))
        case .not(let operand):
            if case .bool(let b) = eval(operand) { return .bool(!b) }
            return .null
        case .negate(let operand):
            if case .number(let n) = eval(operand) { return .number(-n) }
            return .null
        case .binary("and", let left, let right):
            let l = eval(left)
            if l == .bool(false) { return .bool(false) }
            let r = eval(right)
            if r == .bool(false) { return .bool(false) }
            return l == .bool(true) && r == .bool(true) ? .bool(true) : .null
        case .binary("or", let left, let right):
            let l = eval(left)
            if l == .bool(true) { return .bool(true) }
            let r = eval(right)
            if r == .bool(true) { return .bool(true) }
            return l == .bool(false) && r == .bool(false) ? .bool(false) : .null
        case .binary(let op, let left, let right):
            return Self.binary(op, eval(left), eval(right))
        case .call(let name, let arguments):
            if name == "exists", case .field(let path) = arguments[0] {
                return .bool((fields[path] ?? .null) != .null)
            }
            if name == "coalesce" {
                for argument in arguments {
                    let value = eval(argument)
                    if value != .null { return value }
                }
                return .null
            }
            return Self.call(name, arguments.map(eval), now: now)
        }
    }

    static func equal(_ a: ExpressionValue, _ b: ExpressionValue) -> Bool {
        switch (a, b) {
        case (.list(let x), .list(let y)): x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        default: a == b
        }
    }

    static func finite(_ x: Double) -> ExpressionValue { x.isFinite ? .number(x) : .null }

    static func contains(_ container: ExpressionValue, _ needle: ExpressionValue) -> ExpressionValue {
        switch (container, needle) {
        case (.null, _): .bool(false)
        case (.list(let elements), _): .bool(elements.contains { equal($0, needle) })
        case (.string(let s), .string(let part)): .bool(s.contains(part))
        default: .null
        }
    }

    static func binary(_ op: String, _ l: ExpressionValue, _ r: ExpressionValue) -> ExpressionValue {
        switch (op, l, r) {
        case ("==", _, _): return .bool(equal(l, r))
        case ("!=", _, _): return .bool(!equal(l, r))
        case ("<", .number(let x), .number(let y)): return .bool(x < y)
        case ("<=", .number(let x), .number(let y)): return .bool(x <= y)
        case (">", .number(let x), .number(let y)): return .bool(x > y)
        case (">=", .number(let x), .number(let y)): return .bool(x >= y)
        case ("<", .string(let x), .string(let y)): return .bool(x < y)
        case ("<=", .string(let x), .string(let y)): return .bool(x <= y)
        case (">", .string(let x), .string(let y)): return .bool(x > y)
        case (">=", .string(let x), .string(let y)): return .bool(x >= y)
        case ("in", _, _): return contains(r, l)
        case ("not in", _, _):
            if case .bool(let b) = contains(r, l) { return .bool(!b) }
            return .null
        case ("+", .number(let x), .number(let y)): return finite(x + y)
        case ("-", .number(let x), .number(let y)): return finite(x - y)
        case ("*", .number(let x), .number(let y)): return finite(x * y)
        case ("/", .number(let x), .number(let y)): return y == 0 ? .null : finite(x / y)
        case ("%", .number(let x), .number(let y)): return y == 0 ? .null : finite(x.truncatingRemainder(dividingBy: y))
        default: return .null
        }
    }

    static func call(_ name: String, _ args: [ExpressionValue], now: Timestamp) -> ExpressionValue {
        switch (name, args.first) {
        case ("lower", .string(let s)?): return .string(s.lowercased())
        case ("upper", .string(let s)?): return .string(s.uppercased())
        case ("len", .string(let s)?): return .number(Double(s.count))
        case ("len", .list(let l)?): return .number(Double(l.count))
        case ("contains", _): return contains(args[0], args[1])
        case ("starts_with", .string(let s)?):
            if case .string(let p) = args[1] { return .bool(s.hasPrefix(p)) }
            return .null
        case ("ends_with", .string(let s)?):
            if case .string(let p) = args[1] { return .bool(s.hasSuffix(p)) }
            return .null
        case ("abs", .number(let n)?): return .number(abs(n))
        case ("min", _), ("max", _):
            var numbers: [Double] = []
            for arg in args {
                guard case .number(let n) = arg else { return .null }
                numbers.append(n)
            }
            return .number(numbers.dropFirst().reduce(numbers[0]) { name == "min" ? min($0, $1) : max($0, $1) })
        case ("days_since", let arg?):
            let nowSeconds = Double(now.millisecondsSinceEpoch) / 1000
            switch arg {
            case .number(let n): return finite((nowSeconds - n) / 86_400)
            case .string(let s):
                guard let t = Timestamp(iso8601: s) else { return .null }
                return finite((nowSeconds - Double(t.millisecondsSinceEpoch) / 1000) / 86_400)
            default: return .null
            }
        default: return .null
        }
    }
}
