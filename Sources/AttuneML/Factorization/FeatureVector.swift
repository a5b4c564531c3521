/// One example for a factorisation machine: a short sparse list of `(feature index, value)` pairs.
///
/// Categorical fields are one-hot (`user=42` with value 1); a multi-valued field such as genres
/// spreads a total weight of 1 over its values so that long lists do not dominate the sum.
/// Each feature should appear once: a repeated index counts as two entries that interact.
package struct FeatureVector: Sendable, Equatable {
    package private(set) var indices: [Int32]
    package private(set) var values: [Float]

    /// - Throws: `AttuneMLError.dimensionMismatch` when the arrays differ in length.
    package init(indices: [Int32], values: [Float]) throws {
        guard indices.count == values.count else {
            throw AttuneMLError.dimensionMismatch("\(indices.count) indices, \(values.count) values")
        }
        self.indices = indices
        self.values = values
    }

    /// Binary features: every listed index with value 1.
    package init(ones indices: [Int32] = []) {
        self.indices = indices
        values = [Float](repeating: 1, count: indices.count)
    }

    /// From `(index, value)` pairs, in the order given.
    package init(_ pairs: [(Int32, Float)]) {
        indices = pairs.map(\.0)
        values = pairs.map(\.1)
    }

    /// The number of entries.
    package var count: Int { indices.count }

    package var isEmpty: Bool { indices.isEmpty }

    /// Adds one entry.
    package mutating func append(_ index: Int32, _ value: Float = 1) {
        indices.append(index)
        values.append(value)
    }

    /// The concatenation of two parts (e.g. user and context), as one example.
    package static func + (lhs: FeatureVector, rhs: FeatureVector) -> FeatureVector {
        var out = lhs
        out.indices += rhs.indices
        out.values += rhs.values
        return out
    }

    /// Checks that every index lies in `0..<featureCount` and every value is finite.
    /// - Throws: `AttuneMLError.invalidArgument` when empty (unless `allowEmpty`) or a value is NaN
    ///   or infinite, `AttuneMLError.indexOutOfRange` on an unknown feature index.
    package func validate(featureCount: Int, allowEmpty: Bool = false) throws {
        if !allowEmpty && indices.isEmpty { throw AttuneMLError.invalidArgument("example has no features") }
        try FeatureRows.validate(indices: indices[...], values: values[...], featureCount: featureCount)
    }
}
