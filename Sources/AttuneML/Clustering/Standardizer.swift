/// Per-feature z-score standardisation: `z = (x − mean) / std`, fitted once and applied to new rows.
///
/// Uses the population standard deviation (ddof 0), as scikit-learn's `StandardScaler`, so that
/// inertia and silhouette values are comparable with it. A feature with zero variance maps to 0
/// rather than to a division by zero.
package struct Standardizer: Sendable, Equatable {
    /// Per-feature means.
    package let means: [Float]
    /// Per-feature population standard deviations (0 for a constant feature).
    package let standardDeviations: [Float]

    package var dimension: Int { means.count }

    /// Assembles a standardiser from saved statistics.
    /// - Throws: `AttuneMLError.dimensionMismatch` for unequal lengths; `invalidArgument` for a
    ///   non-finite value or a negative deviation.
    package init(means: [Float], standardDeviations: [Float]) throws {
        guard means.count == standardDeviations.count, !means.isEmpty else {
            throw AttuneMLError.dimensionMismatch("\(means.count) means, \(standardDeviations.count) deviations")
        }
        guard means.allSatisfy(\.isFinite), standardDeviations.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw AttuneMLError.invalidArgument("statistics must be finite, deviations non-negative")
        }
        self.means = means
        self.standardDeviations = standardDeviations
    }

    /// Learns the mean and deviation of every column of `points`.
    ///
    /// - Throws: `AttuneMLError.invalidArgument` for an empty matrix or a NaN or infinite value.
    /// - Complexity: O(n · d), two passes accumulated in `Double` (the second subtracts the mean,
    ///   which avoids the cancellation of `E[x²] − E[x]²` on features far from zero).
    package static func fit(points: DenseMatrix) throws -> Standardizer {
        try ClusteringInput.validate(points)
        let n = points.rowCount
        let d = points.columnCount
        var mean = [Double](repeating: 0, count: d)
        var m2 = [Double](repeating: 0, count: d)
        points.values.withUnsafeBufferPointer { x in
            for i in 0..<n { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
            for j in 0..<d { mean[j] /= Double(n) }
            for i in 0..<n {
                for j in 0..<d {
                    let diff = Double(x[i * d + j]) - mean[j]
                    m2[j] += diff * diff
                }
            }
        }
        return try Standardizer(
            means: mean.map { Float($0) }, standardDeviations: m2.map { Float(($0 / Double(n)).squareRoot()) })
    }

    /// The standardised copy of `points`.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the width differs from the fitted one.
    /// - Complexity: O(n · d).
    package func transform(_ points: DenseMatrix) throws -> DenseMatrix {
        guard points.columnCount == dimension else {
            throw AttuneMLError.dimensionMismatch("\(points.columnCount) features, fitted on \(dimension)")
        }
        let d = dimension
        // Multiply by a reciprocal per column; 0 for a constant column sends it to 0.
        let scale = standardDeviations.map { $0 > 0 ? 1 / $0 : 0 }
        var out = points
        out.values.withUnsafeMutableBufferPointer { v in
            for i in 0..<points.rowCount {
                for j in 0..<d { v[i * d + j] = (v[i * d + j] - means[j]) * scale[j] }
            }
        }
        return out
    }

    /// Maps standardised rows (e.g. centroids) back to the original units.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the width differs from the fitted one.
    /// - Complexity: O(n · d).
    package func inverseTransform(_ points: DenseMatrix) throws -> DenseMatrix {
        guard points.columnCount == dimension else {
            throw AttuneMLError.dimensionMismatch("\(points.columnCount) features, fitted on \(dimension)")
        }
        let d = dimension
        var out = points
        out.values.withUnsafeMutableBufferPointer { v in
            for i in 0..<points.rowCount {
                for j in 0..<d { v[i * d + j] = v[i * d + j] * standardDeviations[j] + means[j] }
            }
        }
        return out
    }
}
