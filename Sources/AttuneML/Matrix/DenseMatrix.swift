/// A row-major dense matrix of `Float`.
package struct DenseMatrix: Sendable, Equatable {
    package let rowCount: Int
    package let columnCount: Int
    /// `rowCount * columnCount` values, row after row.
    package var values: [Float]

    /// A zero matrix.
    package init(rowCount: Int, columnCount: Int) {
        precondition(rowCount >= 0 && columnCount >= 0, "negative shape")
        self.rowCount = rowCount
        self.columnCount = columnCount
        values = [Float](repeating: 0, count: rowCount * columnCount)
    }

    /// Wraps row-major `values`.
    /// - Throws: `AttuneMLError.dimensionMismatch` when `values.count != rowCount * columnCount`.
    package init(rowCount: Int, columnCount: Int, values: [Float]) throws {
        guard rowCount >= 0, columnCount >= 0, values.count == rowCount * columnCount else {
            throw AttuneMLError.dimensionMismatch("\(values.count) values for \(rowCount)x\(columnCount)")
        }
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    /// Entries drawn uniformly from `[0, scale)`, as the usual factor initialisation.
    package static func random(
        rowCount: Int, columnCount: Int, scale: Float, offset: Float = 0, using generator: inout SeededGenerator
    ) -> DenseMatrix {
        var m = DenseMatrix(rowCount: rowCount, columnCount: columnCount)
        for i in m.values.indices { m.values[i] = (generator.nextUnitFloat() + offset) * scale }
        return m
    }

    package subscript(r: Int, c: Int) -> Float {
        get { values[r * columnCount + c] }
        set { values[r * columnCount + c] = newValue }
    }

    /// A copy of row `r`.
    package func row(_ r: Int) -> [Float] {
        Array(values[(r * columnCount)..<((r + 1) * columnCount)])
    }

    /// The first `count` rows (all of them when `count` exceeds the row count).
    package func prefixRows(_ count: Int) -> DenseMatrix {
        let n = Swift.max(0, Swift.min(count, rowCount))
        var m = DenseMatrix(rowCount: n, columnCount: columnCount)
        m.values = Array(values.prefix(n * columnCount))
        return m
    }

    /// `selfᵀ · self + diagonal · I` (the Gram matrix), `columnCount x columnCount`.
    /// - Complexity: O(rows · columns²).
    package func gram(addingToDiagonal diagonal: Float = 0) -> DenseMatrix {
        let f = columnCount
        var g = DenseMatrix(rowCount: f, columnCount: f)
        values.withUnsafeBufferPointer { src in
            g.values.withUnsafeMutableBufferPointer { dst in
                let d = dst.baseAddress!
                for r in 0..<rowCount {
                    let row = src.baseAddress! + r * f
                    // Rank-one update of the upper triangle, mirrored below.
                    for i in 0..<f {
                        let a = row[i]
                        if a != 0 { VectorKernels.axpy(a, row + i, d + i * f + i, count: f - i) }
                    }
                }
                for i in 0..<f {
                    d[i * f + i] += diagonal
                    for j in 0..<i { d[i * f + j] = d[j * f + i] }
                }
            }
        }
        return g
    }

    /// `self · otherᵀ`, the score matrix of two factor matrices.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the column counts differ.
    /// - Complexity: O(rows · other.rows · columns).
    package func multipliedByTranspose(of other: DenseMatrix) throws -> DenseMatrix {
        guard columnCount == other.columnCount else {
            throw AttuneMLError.dimensionMismatch("\(columnCount) vs \(other.columnCount) columns")
        }
        var out = DenseMatrix(rowCount: rowCount, columnCount: other.rowCount)
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.values.withUnsafeMutableBufferPointer { c in
                    MatrixKernels.multiplyTransposed(
                        a.baseAddress!, rows: rowCount, b.baseAddress!, rows: other.rowCount,
                        depth: columnCount, into: c.baseAddress!, rowStride: other.rowCount)
                }
            }
        }
        return out
    }
}
