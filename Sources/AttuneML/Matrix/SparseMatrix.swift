/// A compressed sparse row (CSR) matrix of `Float` values with `Int32` column indices.
///
/// Column indices are sorted ascending within each row and unique, which lets a row double as a
/// sorted exclusion list (seen items) for ``TopKSelector``.
package struct SparseMatrix: Sendable, Equatable {
    package let rowCount: Int
    package let columnCount: Int
    /// `rowOffsets[r]..<rowOffsets[r + 1]` are the entries of row `r`; `rowCount + 1` elements.
    package let rowOffsets: [Int]
    package let columnIndices: [Int32]
    package let values: [Float]

    /// The number of stored entries.
    package var nonZeroCount: Int { columnIndices.count }

    /// Wraps already-valid CSR arrays. Callers inside the module guarantee the invariants.
    init(rowCount: Int, columnCount: Int, rowOffsets: [Int], columnIndices: [Int32], values: [Float]) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.values = values
        #if DEBUG
        assertInvariants()
        #endif
    }

    /// Builds a matrix from coordinate triples; repeated `(row, column)` pairs are summed.
    ///
    /// - Parameters:
    ///   - rowCount: number of rows (>= 0).
    ///   - columnCount: number of columns (>= 0).
    ///   - rows: row index of each entry.
    ///   - columns: column index of each entry.
    ///   - values: value of each entry; `nil` means 1 for every entry (implicit feedback).
    /// - Throws: `AttuneMLError.dimensionMismatch` when the arrays differ in length,
    ///   `AttuneMLError.indexOutOfRange` when an index falls outside the shape,
    ///   `AttuneMLError.invalidArgument` on a negative shape.
    /// - Complexity: O(nnz + rows + sum over rows of d log d), d the row length.
    package init(rowCount: Int, columnCount: Int, rows: [Int32], columns: [Int32], values: [Float]? = nil) throws {
        guard rowCount >= 0, columnCount >= 0 else {
            throw AttuneMLError.invalidArgument("negative shape \(rowCount)x\(columnCount)")
        }
        guard rows.count == columns.count, values == nil || values!.count == rows.count else {
            throw AttuneMLError.dimensionMismatch(
                "rows \(rows.count), columns \(columns.count), values \(values?.count ?? rows.count)")
        }
        for k in rows.indices {
            let r = rows[k]
            let c = columns[k]
            if r < 0 || Int(r) >= rowCount || c < 0 || Int(c) >= columnCount {
                throw AttuneMLError.indexOutOfRange("entry \(k) at (\(r), \(c)) outside \(rowCount)x\(columnCount)")
            }
        }
        // Counting sort by row.
        var offsets = [Int](repeating: 0, count: rowCount + 1)
        for r in rows { offsets[Int(r) + 1] += 1 }
        for r in 0..<rowCount { offsets[r + 1] += offsets[r] }
        var cursor = offsets
        var cols = [Int32](repeating: 0, count: rows.count)
        var vals = [Float](repeating: 0, count: rows.count)
        for k in rows.indices {
            let r = Int(rows[k])
            let p = cursor[r]
            cols[p] = columns[k]
            vals[p] = values?[k] ?? 1
            cursor[r] = p + 1
        }
        // Sort each row by column and merge duplicates, compacting in place.
        var outOffsets = [Int](repeating: 0, count: rowCount + 1)
        var write = 0
        var pairs: [(Int32, Float)] = []
        for r in 0..<rowCount {
            let start = offsets[r]
            let end = offsets[r + 1]
            pairs.removeAll(keepingCapacity: true)
            for p in start..<end { pairs.append((cols[p], vals[p])) }
            // Stable sort keeps the input order of duplicates so float sums are reproducible.
            pairs.sort { $0.0 < $1.0 }
            var p = 0
            while p < pairs.count {
                let c = pairs[p].0
                var v = pairs[p].1
                p += 1
                while p < pairs.count && pairs[p].0 == c {
                    v += pairs[p].1
                    p += 1
                }
                cols[write] = c
                vals[write] = v
                write += 1
            }
            outOffsets[r + 1] = write
        }
        cols.removeLast(cols.count - write)
        vals.removeLast(vals.count - write)
        self.init(rowCount: rowCount, columnCount: columnCount, rowOffsets: outOffsets, columnIndices: cols, values: vals)
    }

    /// Builds a binary matrix from one list of column indices per row (duplicates summed).
    /// - Throws: as ``init(rowCount:columnCount:rows:columns:values:)``.
    package init(rowLists: [[Int32]], columnCount: Int) throws {
        var rows: [Int32] = []
        var cols: [Int32] = []
        for (r, list) in rowLists.enumerated() {
            for c in list {
                rows.append(Int32(r))
                cols.append(c)
            }
        }
        try self.init(rowCount: rowLists.count, columnCount: columnCount, rows: rows, columns: cols)
    }

    /// Whether every stored value is finite and >= 0 (counts, weights), as the recommenders require.
    package var hasNonNegativeFiniteValues: Bool {
        values.allSatisfy { $0 >= 0 && $0.isFinite }
    }

    /// The column indices of row `r`.
    package func columns(ofRow r: Int) -> ArraySlice<Int32> {
        columnIndices[rowOffsets[r]..<rowOffsets[r + 1]]
    }

    /// The values of row `r`.
    package func values(ofRow r: Int) -> ArraySlice<Float> {
        values[rowOffsets[r]..<rowOffsets[r + 1]]
    }

    /// The value at `(r, c)`, zero when not stored.
    /// - Complexity: O(log d), d the row length.
    package subscript(r: Int, c: Int) -> Float {
        var lo = rowOffsets[r]
        var hi = rowOffsets[r + 1]
        let key = Int32(c)
        while lo < hi {
            let mid = (lo + hi) / 2
            if columnIndices[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowOffsets[r + 1] && columnIndices[lo] == key ? values[lo] : 0
    }

    /// The transpose, again in CSR form (so the CSC view of this matrix).
    /// - Complexity: O(nnz + rows + columns).
    package func transposed() -> SparseMatrix {
        var offsets = [Int](repeating: 0, count: columnCount + 1)
        for c in columnIndices { offsets[Int(c) + 1] += 1 }
        for c in 0..<columnCount { offsets[c + 1] += offsets[c] }
        var cursor = offsets
        var rows = [Int32](repeating: 0, count: nonZeroCount)
        var vals = [Float](repeating: 0, count: nonZeroCount)
        // Rows are visited in ascending order, so each output row comes out sorted.
        for r in 0..<rowCount {
            for p in rowOffsets[r]..<rowOffsets[r + 1] {
                let c = Int(columnIndices[p])
                let q = cursor[c]
                rows[q] = Int32(r)
                vals[q] = values[p]
                cursor[c] = q + 1
            }
        }
        return SparseMatrix(rowCount: columnCount, columnCount: rowCount, rowOffsets: offsets, columnIndices: rows, values: vals)
    }

    /// The same pattern with every value replaced by `transform(value)`.
    package func mapValues(_ transform: (Float) -> Float) -> SparseMatrix {
        SparseMatrix(rowCount: rowCount, columnCount: columnCount, rowOffsets: rowOffsets,
                     columnIndices: columnIndices, values: values.map(transform))
    }

    #if DEBUG
    private func assertInvariants() {
        assert(rowOffsets.count == rowCount + 1 && rowOffsets.first == 0 && rowOffsets.last == columnIndices.count)
        assert(values.count == columnIndices.count)
        for r in 0..<rowCount {
            var previous: Int32 = -1
            for p in rowOffsets[r]..<rowOffsets[r + 1] {
                let c = columnIndices[p]
                assert(c > previous && Int(c) < columnCount, "CSR row \(r) not sorted/unique or out of range")
                previous = c
            }
        }
    }
    #endif
}
