import AttuneCore

/// Gives CSV cells a JSON type for traits and properties: numbers stay numbers (so rules such as
/// `age > 30` work) unless they carry a leading zero (zip codes, phone numbers), and
/// `true`/`false` become booleans.
enum CellTyping {
    static func typed(_ cell: JSONValue) -> JSONValue {
        guard case .string(let raw) = cell else { return cell }
        let s = raw.trimmingSpaces()
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        if looksNumeric(s), let n = Double(s), n.isFinite { return .number(n) }
        return .string(raw)
    }

    private static func looksNumeric(_ s: String) -> Bool {
        guard case .number? = try? JSONParser(maxDepth: 1).parse(s) else { return false }
        return s.utf8.count <= 20
    }

    /// A string cell without surrounding spaces, `nil` when nothing is left; other cells as they are.
    static func trimmed(_ cell: JSONValue?) -> JSONValue? {
        if case .string(let s)? = cell { return s.trimmingSpaces().isEmpty ? nil : .string(s.trimmingSpaces()) }
        return cell
    }

    /// Members for the columns not otherwise used, typed, empty cells skipped.
    static func members(of row: TabularRow, excluding used: Set<String>) -> [(key: String, value: JSONValue)] {
        var out: [(key: String, value: JSONValue)] = []
        for name in row.order where !used.contains(name) {
            guard let cell = row.cells[name], cell != .null else { continue }
            if case .string(let s) = cell, s.trimmingSpaces().isEmpty { continue }
            out.append((name, typed(cell)))
        }
        return out
    }
}
