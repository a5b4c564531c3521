/// Minimum-cost assignment between the rows and columns of a cost matrix.
///
/// The Hungarian method (Kuhn, "The Hungarian Method for the Assignment Problem", Naval Research
/// Logistics Quarterly 1955; Munkres 1957) in its shortest-augmenting-path form with dual
/// potentials, which adds one row at a time in O(rows · columns).
package enum HungarianMatching {
    /// The column matched to each row, or `-1` for a row left over when there are more rows than
    /// columns. Every row (or every column, whichever is fewer) is matched, with minimum total cost.
    ///
    /// - Parameters:
    ///   - costs: `rowCount x columnCount`, row-major, finite.
    /// - Throws: `AttuneMLError.dimensionMismatch` when `costs.count != rowCount · columnCount`;
    ///   `invalidArgument` for a negative size or a NaN or infinite cost.
    /// - Complexity: O(min(r, c)² · max(r, c)) time, O(r + c) extra memory.
    package static func solve(costs: [Double], rowCount: Int, columnCount: Int) throws -> [Int] {
        guard rowCount >= 0, columnCount >= 0, costs.count == rowCount * columnCount else {
            throw AttuneMLError.dimensionMismatch("\(costs.count) costs for \(rowCount)x\(columnCount)")
        }
        guard costs.allSatisfy(\.isFinite) else { throw AttuneMLError.invalidArgument("non-finite cost") }
        if rowCount == 0 { return [] }
        if columnCount == 0 { return [Int](repeating: -1, count: rowCount) }
        if rowCount <= columnCount { return assignRows(costs, rows: rowCount, columns: columnCount) }
        // More rows than columns: match every column to a row on the transpose, then invert.
        var transposed = [Double](repeating: 0, count: costs.count)
        for r in 0..<rowCount {
            for c in 0..<columnCount { transposed[c * rowCount + r] = costs[r * columnCount + c] }
        }
        let rowOfColumn = assignRows(transposed, rows: columnCount, columns: rowCount)
        var out = [Int](repeating: -1, count: rowCount)
        for (column, row) in rowOfColumn.enumerated() { out[row] = column }
        return out
    }

    /// The core for `rows <= columns` over row-major `costs`.
    private static func assignRows(_ costs: [Double], rows n: Int, columns m: Int) -> [Int] {
        // 1-based with a virtual column 0, as in the usual statement of the algorithm.
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: m + 1)
        var rowOfColumn = [Int](repeating: 0, count: m + 1)
        var way = [Int](repeating: 0, count: m + 1)
        var minimum = [Double](repeating: 0, count: m + 1)
        var used = [Bool](repeating: false, count: m + 1)
        for i in 1...n {
            rowOfColumn[0] = i
            var j0 = 0
            for j in 0...m {
                minimum[j] = .infinity
                used[j] = false
            }
            repeat {
                used[j0] = true
                let i0 = rowOfColumn[j0]
                var delta = Double.infinity
                var j1 = 0
                for j in 1...m where !used[j] {
                    let reduced = costs[(i0 - 1) * m + (j - 1)] - u[i0] - v[j]
                    if reduced < minimum[j] {
                        minimum[j] = reduced
                        way[j] = j0
                    }
                    if minimum[j] < delta {
                        delta = minimum[j]
                        j1 = j
                    }
                }
                for j in 0...m {
                    if used[j] {
                        u[rowOfColumn[j]] += delta
                        v[j] -= delta
                    } else {
                        minimum[j] -= delta
                    }
                }
                j0 = j1
            } while rowOfColumn[j0] != 0
            // Flip the augmenting path.
            repeat {
                let j1 = way[j0]
                rowOfColumn[j0] = rowOfColumn[j1]
                j0 = j1
            } while j0 != 0
        }
        var columnOfRow = [Int](repeating: -1, count: n)
        for j in 1...m where rowOfColumn[j] > 0 { columnOfRow[rowOfColumn[j] - 1] = j - 1 }
        return columnOfRow
    }

    /// Total cost of an assignment returned by ``solve(costs:rowCount:columnCount:)``.
    package static func cost(of assignment: [Int], costs: [Double], columnCount: Int) -> Double {
        var total = 0.0
        for (r, c) in assignment.enumerated() where c >= 0 { total += costs[r * columnCount + c] }
        return total
    }

    /// Exhaustive minimum over all assignments: the test oracle for small matrices.
    package static func solveByEnumeration(costs: [Double], rowCount: Int, columnCount: Int) -> Double {
        var best = Double.infinity
        var usedColumns = [Bool](repeating: false, count: columnCount)
        let toMatch = Swift.min(rowCount, columnCount)
        func go(_ row: Int, _ matched: Int, _ sum: Double) {
            if matched == toMatch {
                best = Swift.min(best, sum)
                return
            }
            if row == rowCount { return }
            // Rows may be skipped only when rows outnumber columns.
            if rowCount - row > toMatch - matched { go(row + 1, matched, sum) }
            for c in 0..<columnCount where !usedColumns[c] {
                usedColumns[c] = true
                go(row + 1, matched + 1, sum + costs[row * columnCount + c])
                usedColumns[c] = false
            }
        }
        go(0, 0, 0)
        return best
    }
}
