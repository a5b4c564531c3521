/// The outcome of a sample-ratio-mismatch check.
package struct SampleRatioMismatchResult: Hashable, Sendable {
    /// Pearson's X².
    package var chiSquare: Double
    /// Degrees of freedom of the reference chi-square.
    package var degreesOfFreedom: Int
    /// P(X² ≥ observed) under the null.
    package var pValue: Double
    /// Expected units per arm under the configured split.
    package var expectedCounts: [Double]
    /// True when the p-value falls below the threshold: the assignment is likely broken and the
    /// experiment's results should not be trusted.
    package var isMismatch: Bool
}

/// Sample ratio mismatch: Pearson's chi-square goodness-of-fit of observed arm sizes against the
/// configured split (Fabijan et al. 2019, "Diagnosing Sample Ratio Mismatch in Online Controlled
/// Experiments").
package enum SampleRatioMismatch {
    /// The conventional threshold: strict, because the check runs on every experiment.
    package static let defaultThreshold = 0.001

    /// - Parameters:
    ///   - counts: units observed per arm.
    ///   - expectedRatios: the configured split, positive; normalised to sum to 1.
    ///   - threshold: flag a mismatch when p < threshold.
    /// - Throws: `ExperimentError` for negative counts, non-positive ratios or mismatched lengths.
    package static func check(
        counts: [Int], expectedRatios: [Double], threshold: Double = defaultThreshold
    ) throws(ExperimentError) -> AnalysisOutcome<SampleRatioMismatchResult> {
        guard counts.count == expectedRatios.count else {
            throw .dimensionMismatch("counts and ratios differ in length", field: "expectedRatios")
        }
        for c in counts { try Validate.count(c, "counts") }
        for r in expectedRatios where !(r > 0 && r.isFinite) {
            throw .invalidArgument("ratios must be positive", field: "expectedRatios")
        }
        try Validate.level(threshold, "threshold")
        if counts.count < 2 { return .notEnoughData(.singleVariant) }
        let n = Double(counts.reduce(0, +))
        if n == 0 { return .notEnoughData(.noTraffic) }
        let ratioSum = expectedRatios.reduce(0, +)
        let expected = expectedRatios.map { n * $0 / ratioSum }
        var statistic = 0.0
        for (observed, e) in zip(counts, expected) {
            let d = Double(observed) - e
            statistic += d * d / e
        }
        let dof = counts.count - 1
        let p = ChiSquare.survival(statistic, degreesOfFreedom: Double(dof))
        return .computed(
            SampleRatioMismatchResult(
                chiSquare: statistic, degreesOfFreedom: dof, pValue: p, expectedCounts: expected,
                isMismatch: p < threshold))
    }
}
