/// Lowers checked syntax to a tree of `CompiledNode`s.
///
/// Along the way it gives each distinct field path a slot, evaluates constant subexpressions once
/// (with the same `ExpressionSemantics` used at run time), flattens `and`/`or` chains so that long
/// lists of alternatives run in one loop, and picks fused nodes for the shapes that dominate real
/// rules (`field < 50`, `field == "x"`, `field in [...]`).
struct ExpressionCompiler {
    /// A compiled subexpression: a value known now, or a node to run per record.
    private enum Operand {
        case constant(ExpressionValue)
        case field(FieldSlot)
        case node(CompiledNode)

        var node: CompiledNode {
            switch self {
            case .constant(let value): .constant(value)
            case .field(let slot): .field(slot)
            case .node(let node): node
            }
        }
    }

    private var slots: [[String]: FieldSlot] = [:]
    private var fieldPaths: [FieldPath] = []
    private var aggregates: [EventAggregate] = []

    static func compile(_ root: ExpressionSyntax) -> (CompiledNode, [FieldPath], [EventAggregate]) {
        var compiler = ExpressionCompiler()
        let node = compiler.compile(root).node
        return (node, compiler.fieldPaths, compiler.aggregates)
    }

    /// An aggregate becomes a field whose path is its canonical text under `@aggregate`, so that
    /// the same aggregate written twice is computed once.
    private mutating func compileAggregate(_ node: ExpressionSyntax) -> Operand {
        guard case .aggregate(let function, let filter, let window) = node.kind else { return .constant(.null) }
        var text = ""
        ExpressionPrinter.write(node, to: &text)
        let known = fieldPaths.count
        let field = slot([EventAggregate.pathRoot, text])
        if field.index == known {
            let condition = filter.map { RuleExpression(syntax: $0, type: .bool) }
            aggregates.append(
                EventAggregate(function: function, filter: condition, windowSeconds: window, slot: field, description: text))
        }
        return .field(field)
    }

    private mutating func slot(_ segments: [String]) -> FieldSlot {
        if let existing = slots[segments] { return existing }
        let slot = FieldSlot(index: fieldPaths.count)
        slots[segments] = slot
        fieldPaths.append(FieldPath(segments: segments))
        return slot
    }

    private mutating func compile(_ node: ExpressionSyntax) -> Operand {
        switch node.kind {
        case .literal(let value):
            return .constant(value)
        case .path(let segments):
            return .field(slot(segments))
        case .list(let elements):
            let compiled = elements.map { compile($0) }
            if let values = constantValues(compiled) { return .constant(.list(values)) }
            return .node(.list(compiled.map(\.node)))
        case .unary(let op, let operand):
            let compiled = compile(operand)
            if case .constant(let v) = compiled {
                return .constant(op == .not ? ExpressionSemantics.not(v) : ExpressionSemantics.negate(v))
            }
            return .node(op == .not ? .not(compiled.node) : .negate(compiled.node))
        case .binary(let op, let left, let right):
            switch op {
            case .and, .or: return compileLogic(op, node)
            default: return compileBinary(op, compile(left), compile(right))
            }
        case .call(let function, let arguments):
            return compileCall(function, arguments)
        case .aggregate:
            return compileAggregate(node)
        }
    }

    private func constantValues(_ compiled: [Operand]) -> [ExpressionValue]? {
        var values: [ExpressionValue] = []
        for operand in compiled {
            guard case .constant(let v) = operand else { return nil }
            values.append(v)
        }
        return values
    }

    /// `a and b and c` (however parenthesised) is compiled as one chain, so that constants fold
    /// across it and long chains are balanced (see `CompiledNode.logic`). A constant
    /// that decides the outcome (`false` for `and`) replaces the whole chain, one that cannot
    /// (`true` for `and`) is dropped: operands have no side effects.
    private mutating func compileLogic(_ op: BinaryOperator, _ node: ExpressionSyntax) -> Operand {
        var chain: [ExpressionSyntax] = []
        collectChain(op, node, into: &chain)
        let decisive = op == .or
        var compiled: [Operand] = []
        for part in chain {
            let operand = compile(part)
            if case .constant(.bool(let b)) = operand {
                if b == decisive { return .constant(.bool(decisive)) }
                continue
            }
            compiled.append(operand)
        }
        if compiled.isEmpty { return .constant(.bool(!decisive)) }
        if constantValues(compiled) != nil {
            // Only non-boolean constants are left: the three-valued result is null.
            return .constant(.null)
        }
        // A single operand still goes through the node, which turns non-booleans into null.
        return .node(.logic(compiled.map(\.node)[...], decisive: decisive ? .true : .false))
    }

    private func collectChain(_ op: BinaryOperator, _ node: ExpressionSyntax, into chain: inout [ExpressionSyntax]) {
        if case .binary(op, let left, let right) = node.kind {
            collectChain(op, left, into: &chain)
            collectChain(op, right, into: &chain)
        } else {
            chain.append(node)
        }
    }

    private func compileBinary(_ op: BinaryOperator, _ left: Operand, _ right: Operand) -> Operand {
        switch (left, right) {
        case (.constant(let l), .constant(let r)):
            return .constant(ExpressionSemantics.binary(op, l, r))
        case (.field(let slot), .constant(let c)):
            if let fused = fused(op, slot, c) { return .node(fused) }
        case (.constant(let c), .field(let slot)) where op == .in || op == .notIn:
            return .node(.membership(c, in: slot, negated: op == .notIn))
        case (.constant(let c), .field(let slot)):
            if let fused = fused(op.mirrored, slot, c) { return .node(fused) }
        case (.node(let node), .constant(.number(let n))) where op.comparesNumbers:
            return .node(.compare(node, op, n))
        case (.constant(.number(let n)), .node(let node)) where op.comparesNumbers:
            return .node(.compare(node, op.mirrored, n))
        default:
            break
        }
        switch op {
        case .equal, .notEqual: return .node(.equality(left.node, right.node, negated: op == .notEqual))
        default: return .node(.binary(op, left.node, right.node))
        }
    }

    /// A field compared with a constant, as one node.
    private func fused(_ op: BinaryOperator, _ slot: FieldSlot, _ constant: ExpressionValue) -> CompiledNode? {
        switch (op, constant) {
        case (.equal, .number(let n)), (.notEqual, .number(let n)), (.less, .number(let n)),
            (.lessEqual, .number(let n)), (.greater, .number(let n)), (.greaterEqual, .number(let n)):
            .compare(slot, op, n)
        case (.equal, .string(let s)), (.notEqual, .string(let s)):
            .equality(slot, s, negated: op == .notEqual)
        case (.in, .list(let list)), (.notIn, .list(let list)):
            .membership(slot, list, negated: op == .notIn)
        default:
            nil
        }
    }

    private mutating func compileCall(_ function: ExpressionFunction, _ arguments: [ExpressionSyntax]) -> Operand {
        if function == .exists, case .path(let segments) = arguments[0].kind {
            return .node(.exists(slot(segments)))
        }
        var compiled = arguments.map { compile($0) }
        if function == .coalesce {
            // Leading constant nulls can never be chosen; a leading constant value always is.
            while compiled.count > 1, case .constant(.null) = compiled[0] { compiled.removeFirst() }
            if case .constant(let v) = compiled[0] { return .constant(v) }
            return .node(.coalesce(compiled.map(\.node)))
        }
        if !function.readsContext, let values = constantValues(compiled) {
            var list = ArgumentList()
            for v in values { list.append(v) }
            return .constant(ExpressionFunction.apply(function, list, now: 0))
        }
        return .node(.call(function, compiled.map(\.node)))
    }
}

extension BinaryOperator {
    /// The operator that gives the same result with the operands swapped (`1 < x` is `x > 1`).
    fileprivate var comparesNumbers: Bool {
        isOrdering || self == .equal || self == .notEqual
    }

    fileprivate var mirrored: BinaryOperator {
        switch self {
        case .less: .greater
        case .lessEqual: .greaterEqual
        case .greater: .less
        case .greaterEqual: .lessEqual
        default: self
        }
    }
}
