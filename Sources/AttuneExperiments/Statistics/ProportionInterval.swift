import RealModule

/// Confidence intervals for a single binomial proportion (Brown, Cai & DasGupta 2001 compare them).
package enum ProportionInterval {
    /// Which interval to compute; each matches statsmodels' `proportion_confint` method of the same
    /// meaning.
    package enum Method: Sendable, Hashable, CaseIterable {
        /// Wald: p̂ ± z√(p̂(1 − p̂)/n), clipped to [0, 1]. Poor near 0 and 1; kept for reference.
        case normal
        /// Wilson score interval (Wilson 1927): the recommended default.
        case wilson
        /// Agresti–Coull (1998): Wald on x + z²/2 successes of n + z² trials, clipped.
        case agrestiCoull
        /// Clopper–Pearson (1934) "exact" interval from Beta quantiles.
        case clopperPearson
        /// Jeffreys: equal-tailed Beta(x + ½, n − x + ½) posterior interval.
        case jeffreys
    }

    /// - Parameters:
    ///   - successes: x, 0 ≤ x ≤ n.
    ///   - trials: n.
    ///   - alpha: 1 − confidence level.
    /// - Throws: `ExperimentError` for invalid counts or alpha.
    /// - Returns: `.notEnoughData(.noTraffic)` when n = 0.
    package static func compute(
        _ method: Method, successes: Int, trials: Int, alpha: Double = 0.05
    ) throws(ExperimentError) -> AnalysisOutcome<ConfidenceInterval> {
        try Validate.successes(successes, of: trials, "successes")
        try Validate.level(alpha, "alpha")
        if trials == 0 { return .notEnoughData(.noTraffic) }
        let x = Double(successes)
        let n = Double(trials)
        let p = x / n
        let z = Normal.quantile(1 - alpha / 2)
        switch method {
        case .normal:
            let half = z * (p * (1 - p) / n).squareRoot()
            return .computed(clipped(p - half, p + half))
        case .wilson:
            let z2 = z * z
            let denominator = 1 + z2 / n
            let center = (p + z2 / (2 * n)) / denominator
            let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
            return .computed(clipped(center - half, center + half))
        case .agrestiCoull:
            let nTilde = n + z * z
            let pTilde = (x + z * z / 2) / nTilde
            let half = z * (pTilde * (1 - pTilde) / nTilde).squareRoot()
            return .computed(clipped(pTilde - half, pTilde + half))
        case .clopperPearson:
            let lower = successes == 0 ? 0 : BetaDistribution.quantile(alpha / 2, alpha: x, beta: n - x + 1)
            let upper =
                successes == trials ? 1 : BetaDistribution.quantile(1 - alpha / 2, alpha: x + 1, beta: n - x)
            return .computed(ConfidenceInterval(lower: lower, upper: upper))
        case .jeffreys:
            let lower = BetaDistribution.quantile(alpha / 2, alpha: x + 0.5, beta: n - x + 0.5)
            let upper = BetaDistribution.quantile(1 - alpha / 2, alpha: x + 0.5, beta: n - x + 0.5)
            return .computed(ConfidenceInterval(lower: lower, upper: upper))
        }
    }

    private static func clipped(_ lower: Double, _ upper: Double) -> ConfidenceInterval {
        ConfidenceInterval(lower: min(max(lower, 0), 1), upper: min(max(upper, 0), 1))
    }
}
