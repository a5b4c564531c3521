/// The outcome of a z-test on the difference of two proportions (group 1 minus group 2).
package struct ZTestResult: Hashable, Sendable {
    /// The standardised difference.
    package var z: Double
    /// p̂₁ − p̂₂.
    package var difference: Double
    /// The standard error used to standardise the difference.
    package var standardError: Double

    /// The p-value for the chosen alternative.
    package func pValue(_ alternative: Alternative = .twoSided) -> Double {
        switch alternative {
        case .twoSided: return min(1, 2 * Normal.survival(abs(z)))
        case .less: return Normal.cdf(z)
        case .greater: return Normal.survival(z)
        }
    }
}

/// Two-sample tests for a difference in conversion rates.
package enum TwoProportionZTest {
    /// The pooled z-test: z = (p̂₁ − p̂₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)) with p̄ = (x₁ + x₂)/(n₁ + n₂);
    /// the classical score test of H₀: p₁ = p₂ (as statsmodels `proportions_ztest`).
    /// - Throws: `ExperimentError.invalidCount` for negative counts or successes above trials.
    package static func pooled(
        successes1: Int, trials1: Int, successes2: Int, trials2: Int
    ) throws(ExperimentError) -> AnalysisOutcome<ZTestResult> {
        try test(successes1: successes1, trials1: trials1, successes2: successes2, trials2: trials2) { p1, p2, n1, n2 in
            let pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
            return pooled * (1 - pooled) * (1 / n1 + 1 / n2)
        }
    }

    /// The unpooled (Wald) z-test: z = (p̂₁ − p̂₂) / √(p̂₁(1 − p̂₁)/n₁ + p̂₂(1 − p̂₂)/n₂)
    /// (as statsmodels `test_proportions_2indep(method="wald")`).
    /// - Throws: `ExperimentError.invalidCount` for negative counts or successes above trials.
    package static func unpooled(
        successes1: Int, trials1: Int, successes2: Int, trials2: Int
    ) throws(ExperimentError) -> AnalysisOutcome<ZTestResult> {
        try test(successes1: successes1, trials1: trials1, successes2: successes2, trials2: trials2) { p1, p2, n1, n2 in
            p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        }
    }

    /// The shared z-test: validation, the not-enough-data states, and z from the variance of
    /// p̂₁ − p̂₂ that `variance(p̂₁, p̂₂, n₁, n₂)` gives.
    private static func test(
        successes1: Int, trials1: Int, successes2: Int, trials2: Int,
        variance: (Double, Double, Double, Double) -> Double
    ) throws(ExperimentError) -> AnalysisOutcome<ZTestResult> {
        try Validate.successes(successes1, of: trials1, "successes1")
        try Validate.successes(successes2, of: trials2, "successes2")
        if trials1 == 0 || trials2 == 0 { return .notEnoughData(.noTraffic) }
        let n1 = Double(trials1)
        let n2 = Double(trials2)
        let p1 = Double(successes1) / n1
        let p2 = Double(successes2) / n2
        let v = variance(p1, p2, n1, n2)
        guard v > 0 else { return .notEnoughData(.noVariance) }
        let se = v.squareRoot()
        return .computed(ZTestResult(z: (p1 - p2) / se, difference: p1 - p2, standardError: se))
    }
}
