/// The outcome of Welch's unequal-variance t-test (group a minus group b).
package struct TTestResult: Hashable, Sendable {
    /// The t statistic.
    package var t: Double
    /// Welch–Satterthwaite degrees of freedom.
    package var degreesOfFreedom: Double
    /// x̄_a − x̄_b.
    package var meanDifference: Double
    /// √(s²_a/n_a + s²_b/n_b).
    package var standardError: Double

    /// The p-value for the chosen alternative.
    package func pValue(_ alternative: Alternative = .twoSided) -> Double {
        switch alternative {
        case .twoSided: return min(1, 2 * StudentT.survival(abs(t), degreesOfFreedom: degreesOfFreedom))
        case .less: return StudentT.cdf(t, degreesOfFreedom: degreesOfFreedom)
        case .greater: return StudentT.survival(t, degreesOfFreedom: degreesOfFreedom)
        }
    }

    /// The two-sided confidence interval for the mean difference at level 1 − alpha.
    package func confidenceInterval(alpha: Double = 0.05) -> ConfidenceInterval {
        let q = StudentT.quantile(1 - alpha / 2, degreesOfFreedom: degreesOfFreedom)
        return ConfidenceInterval(lower: meanDifference - q * standardError, upper: meanDifference + q * standardError)
    }
}

/// Welch's t-test (Welch 1947), the default for comparing arm means with unequal variances.
package enum WelchTTest {
    /// Tests raw samples; see `test(_:_:)` on summaries.
    package static func test(_ a: [Double], _ b: [Double]) -> AnalysisOutcome<TTestResult> {
        test(SampleSummary(a), SampleSummary(b))
    }

    /// t = (x̄_a − x̄_b) / √(s²_a/n_a + s²_b/n_b); ν = (v_a + v_b)² / (v_a²/(n_a − 1) + v_b²/(n_b − 1)).
    /// - Returns: `.notEnoughData` for fewer than two observations in an arm, non-finite input, or
    ///   zero variance in both arms.
    package static func test(_ a: SampleSummary, _ b: SampleSummary) -> AnalysisOutcome<TTestResult> {
        if a.count == 0 || b.count == 0 { return .notEnoughData(.noTraffic) }
        if a.count < 2 || b.count < 2 { return .notEnoughData(.tooFewObservations) }
        if !a.isFinite || !b.isFinite { return .notEnoughData(.missingData) }
        let va = a.variance / Double(a.count)
        let vb = b.variance / Double(b.count)
        let v = va + vb
        guard v > 0 else { return .notEnoughData(.noVariance) }
        let dof = v * v / (va * va / Double(a.count - 1) + vb * vb / Double(b.count - 1))
        let se = v.squareRoot()
        let diff = a.mean - b.mean
        return .computed(TTestResult(t: diff / se, degreesOfFreedom: dof, meanDifference: diff, standardError: se))
    }
}
