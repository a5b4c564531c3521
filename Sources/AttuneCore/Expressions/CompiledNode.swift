/// Reads one field of the record being evaluated.
typealias FieldResolver = (FieldSlot) -> ExpressionValue

/// Three-valued logic: `unknown` stands for `null` or a non-boolean in boolean position.
enum Truth: UInt8 {
    case `false`, `true`, unknown

    @inline(__always)
    init(_ b: Bool) {
        self = b ? .true : .false
    }

    init(_ value: ExpressionValue) {
        if case .bool(let b) = value { self = Truth(b) } else { self = .unknown }
    }

    var value: ExpressionValue {
        switch self {
        case .false: .bool(false)
        case .true: .bool(true)
        case .unknown: .null
        }
    }
}

/// A compiled subexpression: a tree of closures, each specialised for its operator and for what
/// the compiler already knew about its operands (`field < 50` is one closure).
///
/// Closures rather than a switch over an instruction array: each call site gets its own indirect
/// branch to predict instead of one shared dispatch branch, and for `item.price < 50 and
/// item.category != "adult"` that measured 20 ns per record against 28 ns. Each node can be asked
/// for its value or, cheaper in boolean position, for its truth. The field resolver and the current
/// time (seconds since the epoch) are passed down rather than captured, so evaluation allocates
/// nothing; nodes are kept in structs, never in arrays of bare closures, whose elements are stored
/// at maximal abstraction and would wrap `resolve` in a heap-allocated thunk on every call.
struct CompiledNode: Sendable {
    let value: @Sendable (FieldResolver, Double) -> ExpressionValue
    let truth: @Sendable (FieldResolver, Double) -> Truth

    init(value: @escaping @Sendable (FieldResolver, Double) -> ExpressionValue) {
        self.value = value
        self.truth = { resolve, now in Truth(value(resolve, now)) }
    }

    init(truth: @escaping @Sendable (FieldResolver, Double) -> Truth) {
        self.value = { resolve, now in truth(resolve, now).value }
        self.truth = truth
    }
}

extension CompiledNode {
    static func constant(_ constant: ExpressionValue) -> CompiledNode {
        CompiledNode(value: { _, _ in constant })
    }

    static func field(_ slot: FieldSlot) -> CompiledNode {
        CompiledNode(value: { resolve, _ in resolve(slot) })
    }

    static func exists(_ slot: FieldSlot) -> CompiledNode {
        CompiledNode(truth: { resolve, _ in
            if case .null = resolve(slot) { return .false }
            return .true
        })
    }

    static func not(_ operand: CompiledNode) -> CompiledNode {
        let truth = operand.truth
        return CompiledNode(truth: { resolve, now in
            switch truth(resolve, now) {
            case .false: .true
            case .true: .false
            case .unknown: .unknown
            }
        })
    }

    static func negate(_ operand: CompiledNode) -> CompiledNode {
        let value = operand.value
        return CompiledNode(value: { resolve, now in ExpressionSemantics.negate(value(resolve, now)) })
    }

    /// Short-circuit `and` (`decisive == .false`) or `or` (`decisive == .true`) in Kleene logic:
    /// the deciding value wins even over unknown operands.
    ///
    /// Long chains become a balanced tree of pairs. Both connectives are associative, the order of
    /// evaluation stays left to right, and each pair calls two captured closures directly; a loop
    /// over an array of nodes retains and releases every node it visits.
    static func logic(_ operands: ArraySlice<CompiledNode>, decisive: Truth) -> CompiledNode {
        // A single operand keeps its own closure; its truth already maps non-booleans to unknown.
        if operands.count == 1 { return CompiledNode(truth: operands[operands.startIndex].truth) }
        let middle = operands.startIndex + operands.count / 2
        let first = logic(operands[..<middle], decisive: decisive).truth
        let second = logic(operands[middle...], decisive: decisive).truth
        let other: Truth = decisive == .true ? .false : .true
        return CompiledNode(truth: { resolve, now in
            let a = first(resolve, now)
            if a == decisive { return decisive }
            let b = second(resolve, now)
            if b == decisive { return decisive }
            return a == .unknown || b == .unknown ? .unknown : other
        })
    }

    static func equality(_ left: CompiledNode, _ right: CompiledNode, negated: Bool) -> CompiledNode {
        let a = left.value
        let b = right.value
        return CompiledNode(truth: { resolve, now in
            Truth(ExpressionSemantics.equal(a(resolve, now), b(resolve, now)) != negated)
        })
    }

    static func binary(_ op: BinaryOperator, _ left: CompiledNode, _ right: CompiledNode) -> CompiledNode {
        let a = left.value
        let b = right.value
        return CompiledNode(value: { resolve, now in ExpressionSemantics.binary(op, a(resolve, now), b(resolve, now)) })
    }

    static func list(_ elements: [CompiledNode]) -> CompiledNode {
        CompiledNode(value: { resolve, now in
            var values: [ExpressionValue] = []
            values.reserveCapacity(elements.count)
            for element in elements { values.append(element.value(resolve, now)) }
            return .list(values)
        })
    }

    /// The first non-null operand; later operands are not evaluated.
    static func coalesce(_ operands: [CompiledNode]) -> CompiledNode {
        CompiledNode(value: { resolve, now in
            for operand in operands {
                let v = operand.value(resolve, now)
                if case .null = v { continue }
                return v
            }
            return .null
        })
    }

    static func call(_ function: ExpressionFunction, _ arguments: [CompiledNode]) -> CompiledNode {
        if arguments.count == 1 {
            let only = arguments[0].value
            return CompiledNode(value: { resolve, now in
                var list = ArgumentList()
                list.append(only(resolve, now))
                return ExpressionFunction.apply(function, list, now: now)
            })
        }
        return CompiledNode(value: { resolve, now in
            var list = ArgumentList()
            for argument in arguments { list.append(argument.value(resolve, now)) }
            return ExpressionFunction.apply(function, list, now: now)
        })
    }
}
