import AttuneCore
import AttuneStore

/// How an embeddings file lays out a row, found from its header (or first JSON line).
///
/// Accepted layouts, the item column being `item_id` (or `itemid`, `item`, `id`, or `--item-column`):
/// - a `vector` (or `embedding`) column holding the numbers: a JSON array in JSON Lines, or in a
///   CSV/TSV cell numbers separated by spaces, commas or semicolons, optionally in brackets;
/// - otherwise every other column is one coordinate, in file order (`item_id,e0,e1,...`).
package struct EmbeddingRows: Sendable {
    package let itemColumn: String
    /// The single column holding the whole vector, or `nil` when each column is a coordinate.
    package let vectorColumn: String?
    package let coordinateColumns: [String]

    package init(columns: [String], itemColumn explicit: String?) throws(ImportFailure) {
        let present = Set(columns)
        if let explicit {
            let name = TabularSource.normalizeHeader(explicit)
            guard present.contains(name) else { throw .missingColumn(option: "--item-column", name: explicit) }
            itemColumn = name
        } else {
            guard let name = ["item_id", "itemid", "item", "id"].first(where: present.contains) else {
                throw .invalidOption("the file has no item column (item_id); name one with --item-column")
            }
            itemColumn = name
        }
        let item = itemColumn
        let whole = ["vector", "embedding"].first(where: present.contains)
        vectorColumn = whole
        coordinateColumns = whole == nil ? columns.filter { $0 != item } : []
        guard whole != nil || !coordinateColumns.isEmpty else {
            throw .invalidOption("the file has no vector: add a \"vector\" column or one column per coordinate")
        }
    }

    /// The item and its vector, or an error naming what is wrong with the row.
    package func parse(_ row: TabularRow) throws(AttuneError) -> (item: ItemID, vector: [Float]) {
        guard let item: ItemID = try EventDecoder.identifier(CellTyping.trimmed(row.cells[itemColumn]), field: itemColumn) else {
            throw AttuneError.missing(itemColumn)
        }
        var vector: [Float] = []
        if let vectorColumn {
            switch row.cells[vectorColumn] {
            case .array(let values)?:
                vector.reserveCapacity(values.count)
                for (k, value) in values.enumerated() {
                    guard vector.count < EmbeddingValidation.maxDimension else { break }
                    guard case .number(let n) = value else {
                        throw AttuneError.invalid("\(vectorColumn)[\(k)]", "must be a number")
                    }
                    vector.append(Float(n))
                }
                if values.count > EmbeddingValidation.maxDimension { vector.append(0) }
            case .string(let text)?:
                vector = try Self.numbers(in: text, field: vectorColumn)
            default:
                throw AttuneError.invalid(vectorColumn, "must be an array of numbers")
            }
        } else {
            vector.reserveCapacity(coordinateColumns.count)
            for name in coordinateColumns {
                guard let n = Self.number(row.cells[name]) else {
                    throw AttuneError.invalid(name, "must be a number")
                }
                vector.append(n)
            }
        }
        guard !vector.isEmpty, vector.count <= EmbeddingValidation.maxDimension else {
            throw AttuneError.invalid(vectorColumn ?? "vector", "needs 1 to \(EmbeddingValidation.maxDimension) numbers")
        }
        // Float overflow (1e39) is as wrong as a NaN written out.
        guard vector.allSatisfy(\.isFinite) else {
            throw AttuneError.invalid(vectorColumn ?? "vector", "every number must be finite as a 32-bit float")
        }
        return (item, vector)
    }

    private static func number(_ cell: JSONValue?) -> Float? {
        switch cell {
        case .number(let n)?: return Float(n)
        case .string(let s)?: return Float(s.trimmingSpaces())
        default: return nil
        }
    }

    static func numbers(in text: String, field: String) throws(AttuneError) -> [Float] {
        var body = Substring(text.trimmingSpaces())
        if body.first == "[" && body.last == "]" { body = body.dropFirst().dropLast() }
        var out: [Float] = []
        for part in body.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == "\t" }) {
            guard out.count <= EmbeddingValidation.maxDimension else { break }
            guard let n = Float(part) else {
                throw AttuneError.invalid(field, "\"\(part.prefix(40))\" is not a number")
            }
            out.append(n)
        }
        return out
    }
}
