/// The outcome of a Pearson chi-square test.
package struct ChiSquareResult: Hashable, Sendable {
    /// Pearson's X².
    package var statistic: Double
    /// Degrees of freedom of the reference chi-square.
    package var degreesOfFreedom: Int
    /// P(X² ≥ observed) under the null.
    package var pValue: Double
    /// Expected counts under the null hypothesis, in the shape of the observed counts.
    package var expected: [[Double]]
}

/// Pearson's chi-square test of independence on an R×K contingency table (rows are outcomes,
/// columns variants, or the transpose: the statistic is symmetric).
package enum ChiSquareContingencyTest {
    /// - Parameters:
    ///   - table: observed counts, at least 2×2, all rows the same length.
    ///   - yatesCorrection: apply Yates' continuity correction (each |O − E| reduced by ½, not below 0).
    ///     As in scipy's `chi2_contingency`, it applies only when there is one degree of freedom.
    /// - Throws: `ExperimentError` for negative counts or ragged rows.
    /// - Returns: `.notEnoughData` when a row or column total is zero or the table is smaller than 2×2.
    package static func test(
        table: [[Int]], yatesCorrection: Bool = false
    ) throws(ExperimentError) -> AnalysisOutcome<ChiSquareResult> {
        let rows = table.count
        let columns = table.first?.count ?? 0
        for row in table {
            if row.count != columns { throw .dimensionMismatch("rows differ in length", field: "table") }
            for value in row { try Validate.count(value, "table") }
        }
        guard rows >= 2, columns >= 2 else { return .notEnoughData(.singleVariant) }
        let rowTotals = table.map { Double($0.reduce(0, +)) }
        var columnTotals = [Double](repeating: 0, count: columns)
        for row in table { for (j, value) in row.enumerated() { columnTotals[j] += Double(value) } }
        let total = rowTotals.reduce(0, +)
        if total == 0 { return .notEnoughData(.noTraffic) }
        if rowTotals.contains(0) || columnTotals.contains(0) { return .notEnoughData(.noVariance) }
        let dof = (rows - 1) * (columns - 1)
        let correct = yatesCorrection && dof == 1
        var expected = [[Double]]()
        var statistic = 0.0
        for i in 0..<rows {
            var expectedRow = [Double]()
            for j in 0..<columns {
                let e = rowTotals[i] * columnTotals[j] / total
                expectedRow.append(e)
                var diff = abs(Double(table[i][j]) - e)
                if correct { diff = max(0, diff - 0.5) }
                statistic += diff * diff / e
            }
            expected.append(expectedRow)
        }
        let p = ChiSquare.survival(statistic, degreesOfFreedom: Double(dof))
        return .computed(ChiSquareResult(statistic: statistic, degreesOfFreedom: dof, pValue: p, expected: expected))
    }

    /// Convenience for an A/B/n conversion experiment: a 2×K table of (conversions, non-conversions).
    /// - Throws: `ExperimentError` for negative counts or successes above trials.
    package static func test(
        successes: [Int], trials: [Int], yatesCorrection: Bool = false
    ) throws(ExperimentError) -> AnalysisOutcome<ChiSquareResult> {
        guard successes.count == trials.count else {
            throw .dimensionMismatch("successes and trials differ in length", field: "trials")
        }
        for (x, n) in zip(successes, trials) { try Validate.successes(x, of: n, "successes") }
        if trials.count < 2 { return .notEnoughData(.singleVariant) }
        if trials.contains(0) { return .notEnoughData(.noTraffic) }
        let failures = zip(successes, trials).map { $1 - $0 }
        return try test(table: [successes, failures], yatesCorrection: yatesCorrection)
    }
}
