/// A batch of sparse examples in compressed-row form: `offsets` + `indices` + `values`.
///
/// Row `r` holds the entries `offsets[r]..<offsets[r + 1]` of `indices` and `values`. Unlike
/// ``SparseMatrix`` the indices of a row keep the order they were appended in and are not merged,
/// since a factorisation machine treats a row as a list of entries, and rows are tiny (a handful of
/// fields), so sorting would buy nothing. Training and scoring open these three arrays once per batch.
package struct FeatureRows: Sendable, Equatable {
    /// `count + 1` ascending offsets starting at 0.
    package private(set) var offsets: [Int] = [0]
    package private(set) var indices: [Int32] = []
    package private(set) var values: [Float] = []

    /// An empty batch.
    package init() {}

    /// One row per vector, in order.
    package init(_ rows: [FeatureVector]) {
        for row in rows { append(row) }
    }

    /// Wraps existing arrays.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the arrays disagree or offsets decrease.
    package init(offsets: [Int], indices: [Int32], values: [Float]) throws {
        guard offsets.first == 0, offsets.last == indices.count, indices.count == values.count else {
            throw AttuneMLError.dimensionMismatch(
                "offsets end at \(offsets.last ?? -1), \(indices.count) indices, \(values.count) values")
        }
        for r in 0..<(offsets.count - 1) where offsets[r] > offsets[r + 1] {
            throw AttuneMLError.dimensionMismatch("offsets decrease at row \(r)")
        }
        self.offsets = offsets
        self.indices = indices
        self.values = values
    }

    /// The number of rows.
    package var count: Int { offsets.count - 1 }

    /// The number of entries over all rows.
    package var entryCount: Int { indices.count }

    /// Appends a row.
    package mutating func append(_ row: FeatureVector) {
        indices += row.indices
        values += row.values
        offsets.append(indices.count)
    }

    /// A copy of row `r` (not for hot loops).
    package subscript(row row: Int) -> FeatureVector {
        precondition(row >= 0 && row < count, "row out of range")
        let range = offsets[row]..<offsets[row + 1]
        return try! FeatureVector(indices: Array(indices[range]), values: Array(values[range]))
    }

    /// The length of the longest row.
    package var maximumRowLength: Int {
        var longest = 0
        for r in 0..<count { longest = Swift.max(longest, offsets[r + 1] - offsets[r]) }
        return longest
    }

    /// Checks every row: indices in `0..<featureCount`, finite values, and (unless `allowEmptyRows`)
    /// at least one entry per row.
    /// - Throws: `AttuneMLError.indexOutOfRange` / `invalidArgument`, naming the row.
    /// - Complexity: O(entries + rows).
    package func validate(featureCount: Int, allowEmptyRows: Bool = false) throws {
        if !allowEmptyRows {
            for r in 0..<count where offsets[r] == offsets[r + 1] {
                throw AttuneMLError.invalidArgument("example \(r) has no features")
            }
        }
        try Self.validate(indices: indices[...], values: values[...], featureCount: featureCount)
    }

    static func validate(indices: ArraySlice<Int32>, values: ArraySlice<Float>, featureCount: Int) throws {
        for i in indices where i < 0 || Int(i) >= featureCount {
            throw AttuneMLError.indexOutOfRange("feature \(i) outside 0..<\(featureCount)")
        }
        for v in values where !v.isFinite {
            throw AttuneMLError.invalidArgument("feature values must be finite")
        }
    }
}
