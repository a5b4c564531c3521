import Testing
@testable import AttuneML

struct SparseMatrixTests {
    @Test func sumsDuplicateTriplesAndSortsColumns() throws {
        let m = try SparseMatrix(rowCount: 2, columnCount: 3, rows: [1, 0, 1, 0], columns: [2, 1, 0, 1], values: [5, 1, 4, 2])
        #expect(m.rowOffsets == [0, 1, 3])
        #expect(m.columnIndices == [1, 0, 2])
        #expect(m.values == [3, 4, 5])
        #expect(m[0, 1] == 3)
        #expect(m[0, 0] == 0)
    }

    @Test func defaultsValuesToOne() throws {
        let m = try SparseMatrix(rowCount: 1, columnCount: 2, rows: [0, 0], columns: [1, 1])
        #expect(m.values == [2])
    }

    @Test func keepsEmptyRows() throws {
        let m = try SparseMatrix(rowCount: 3, columnCount: 2, rows: [2], columns: [1])
        #expect(m.rowOffsets == [0, 0, 0, 1])
        #expect(m.columns(ofRow: 1).isEmpty)
    }

    @Test func rejectsOutOfRangeIndices() {
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try SparseMatrix(rowCount: 2, columnCount: 2, rows: [0], columns: [2])
        }
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try SparseMatrix(rowCount: 2, columnCount: 2, rows: [-1], columns: [0])
        }
    }

    @Test func rejectsArraysOfDifferentLength() {
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try SparseMatrix(rowCount: 2, columnCount: 2, rows: [0, 1], columns: [0])
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try SparseMatrix(rowCount: 2, columnCount: 2, rows: [0], columns: [0], values: [1, 2])
        }
    }

    @Test func transposeSwapsEntriesAndRoundTrips() throws {
        let m = try SparseMatrix(rowCount: 3, columnCount: 4, rows: [0, 0, 1, 2, 2], columns: [3, 1, 0, 3, 2],
                                 values: [1, 2, 3, 4, 5])
        let t = m.transposed()
        #expect(t.rowCount == 4 && t.columnCount == 3)
        for r in 0..<3 { for c in 0..<4 { #expect(t[c, r] == m[r, c]) } }
        #expect(t.transposed() == m)
    }

    @Test func buildsFromRowLists() throws {
        let m = try SparseMatrix(rowLists: [[2, 0], [], [1]], columnCount: 3)
        #expect(Array(m.columns(ofRow: 0)) == [0, 2])
        #expect(m.nonZeroCount == 3)
    }
}
