/// A relative change (treatment / control − 1) with its delta-method standard error and interval.
package struct RelativeLiftResult: Hashable, Sendable {
    /// μ_t/μ_c − 1.
    package var lift: Double
    /// Delta-method standard error of the lift.
    package var standardError: Double
    /// Normal interval lift ± z·SE.
    package var interval: ConfidenceInterval
    /// Two-sided p-value of H₀: lift = 0 from the same normal approximation.
    package var pValue: Double
}

/// Relative lift by the delta method: for independent arm means μ_c, μ_t with squared standard errors
/// v_c, v_t, Var(μ_t/μ_c) ≈ v_t/μ_c² + μ_t²·v_c/μ_c⁴ (first-order Taylor expansion; see e.g.
/// Deng, Knoblich & Lu 2018, "Applying the Delta Method in Metric Analytics").
package enum RelativeLift {
    /// - Parameters:
    ///   - control: summary of the control arm.
    ///   - treatment: summary of the treatment arm.
    ///   - alpha: 1 − confidence level.
    /// - Throws: `ExperimentError` for alpha outside (0, 1).
    /// - Returns: `.notEnoughData` for an empty arm, non-finite input or a zero control mean.
    package static func deltaMethod(
        control: SampleSummary, treatment: SampleSummary, alpha: Double = 0.05
    ) throws(ExperimentError) -> AnalysisOutcome<RelativeLiftResult> {
        try Validate.level(alpha, "alpha")
        if control.count == 0 || treatment.count == 0 { return .notEnoughData(.noTraffic) }
        if !control.isFinite || !treatment.isFinite { return .notEnoughData(.missingData) }
        if control.mean == 0 { return .notEnoughData(.zeroBaseline) }
        let mc = control.mean
        let mt = treatment.mean
        let variance = treatment.varianceOfMean / (mc * mc) + mt * mt * control.varianceOfMean / (mc * mc * mc * mc)
        guard variance > 0 else { return .notEnoughData(.noVariance) }
        let se = variance.squareRoot()
        let lift = mt / mc - 1
        let z = Normal.quantile(1 - alpha / 2)
        return .computed(
            RelativeLiftResult(
                lift: lift, standardError: se,
                interval: ConfidenceInterval(lower: lift - z * se, upper: lift + z * se),
                pValue: min(1, 2 * Normal.survival(abs(lift) / se))))
    }
}
