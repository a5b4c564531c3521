/// Single closures for a field compared with a constant, the shape of most filter and segment
/// conditions: no operand closures, no intermediate `ExpressionValue`, no operator switch.
extension CompiledNode {
    static func compare(_ slot: FieldSlot, _ op: BinaryOperator, _ constant: Double) -> CompiledNode {
        // Written out per operator so that the comparison is inlined, not another closure call.
        // Between a non-number (or a missing field) and a number only `!=` holds.
        switch op {
        case .less:
            return CompiledNode(truth: { resolve, _ in
                guard case .number(let x) = resolve(slot) else { return .unknown }
                return Truth(x < constant)
            })
        case .lessEqual:
            return CompiledNode(truth: { resolve, _ in
                guard case .number(let x) = resolve(slot) else { return .unknown }
                return Truth(x <= constant)
            })
        case .greater:
            return CompiledNode(truth: { resolve, _ in
                guard case .number(let x) = resolve(slot) else { return .unknown }
                return Truth(x > constant)
            })
        case .greaterEqual:
            return CompiledNode(truth: { resolve, _ in
                guard case .number(let x) = resolve(slot) else { return .unknown }
                return Truth(x >= constant)
            })
        case .equal:
            return CompiledNode(truth: { resolve, _ in
                guard case .number(let x) = resolve(slot) else { return .false }
                return Truth(x == constant)
            })
        default:
            return CompiledNode(truth: { resolve, _ in
                guard case .number(let x) = resolve(slot) else { return .true }
                return Truth(x != constant)
            })
        }
    }

    /// Any other subexpression compared with a number (`days_since(user.last_seen) < 30`).
    static func compare(_ operand: CompiledNode, _ op: BinaryOperator, _ constant: Double) -> CompiledNode {
        let value = operand.value
        return CompiledNode(truth: { resolve, now in
            guard case .number(let x) = value(resolve, now) else {
                return op == .equal ? .false : op == .notEqual ? .true : .unknown
            }
            return Truth(ExpressionSemantics.compare(op, x, constant))
        })
    }

    static func equality(_ slot: FieldSlot, _ constant: String, negated: Bool) -> CompiledNode {
        CompiledNode(truth: { resolve, _ in
            guard case .string(let x) = resolve(slot) else { return Truth(negated) }
            return Truth((x == constant) != negated)
        })
    }

    /// `field in [...]` against a constant list, pre-sorted by type so a lookup only compares
    /// values that could be equal.
    static func membership(_ slot: FieldSlot, _ list: [ExpressionValue], negated: Bool) -> CompiledNode {
        let set = ConstantSet(list)
        return CompiledNode(truth: { resolve, _ in Truth(set.contains(resolve(slot)) != negated) })
    }
}

extension CompiledNode {
    /// `"sports" in user.tags`: a constant looked up in a field holding a list or a string.
    static func membership(_ needle: ExpressionValue, in slot: FieldSlot, negated: Bool) -> CompiledNode {
        CompiledNode(truth: { resolve, _ in
            guard case .bool(let found) = ExpressionSemantics.membership(needle, in: resolve(slot)) else {
                return .unknown
            }
            return Truth(found != negated)
        })
    }
}

/// The elements of a constant list, grouped by type; long string lists are hashed.
private struct ConstantSet: Sendable {
    var strings: [String] = []
    var hashedStrings: Set<String> = []
    var numbers: [Double] = []
    var others: [ExpressionValue] = []

    init(_ list: [ExpressionValue]) {
        for element in list {
            switch element {
            case .string(let s): strings.append(s)
            case .number(let n): numbers.append(n)
            default: others.append(element)
            }
        }
        // Below about eight strings a scan beats hashing the probe.
        if strings.count > 8 {
            hashedStrings = Set(strings)
            strings = []
        }
    }

    func contains(_ value: ExpressionValue) -> Bool {
        switch value {
        case .string(let s):
            return strings.isEmpty ? hashedStrings.contains(s) : strings.contains(s)
        case .number(let n):
            return numbers.contains(n)
        default:
            return others.contains { ExpressionSemantics.equal(value, $0) }
        }
    }
}
