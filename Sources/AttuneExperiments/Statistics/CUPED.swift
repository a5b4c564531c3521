/// One arm's data for CUPED: the in-experiment metric and the same unit's pre-period covariate.
package struct CUPEDArm: Sendable {
    /// The metric measured during the experiment, one per unit.
    package var outcomes: [Double]
    /// The same metric (or a correlated one) before the experiment, same order.
    package var covariates: [Double]

    /// One arm's paired observations.
    package init(outcomes: [Double], covariates: [Double]) {
        self.outcomes = outcomes
        self.covariates = covariates
    }
}

/// The CUPED-adjusted view of an experiment.
package struct CUPEDResult: Hashable, Sendable {
    /// θ = Cov(Y, X) / Var(X), pooled over all arms.
    package var theta: Double
    /// Per arm: the raw summary of Y.
    package var unadjusted: [SampleSummary]
    /// Per arm: the summary of Y − θ(X − X̄), whose mean is the adjusted mean and whose variance is
    /// the reduced variance to feed into `WelchTTest` or `RelativeLift`.
    package var adjusted: [SampleSummary]
    /// 1 − Var(adjusted)/Var(Y) pooled over arms; about ρ²(X, Y).
    package var varianceReduction: Double
}

/// CUPED variance reduction (Deng, Xu, Kohavi & Walker 2013, "Improving the Sensitivity of Online
/// Controlled Experiments by Utilizing Pre-Experiment Data").
///
/// θ is estimated on all arms pooled: randomisation makes X independent of the arm, so pooling keeps
/// the adjusted difference unbiased while using every unit for the estimate.
package enum CUPED {
    /// - Parameter arms: each arm's outcomes and covariates, equal lengths per arm.
    /// - Throws: `ExperimentError.dimensionMismatch` when an arm's two arrays differ in length.
    /// - Returns: `.notEnoughData` for fewer than two arms, an arm with fewer than two units, or
    ///   non-finite values. A constant covariate gives θ = 0 (no adjustment) rather than NaN.
    /// - Complexity: O(total units).
    package static func adjust(arms: [CUPEDArm]) throws(ExperimentError) -> AnalysisOutcome<CUPEDResult> {
        for arm in arms where arm.outcomes.count != arm.covariates.count {
            throw .dimensionMismatch("outcomes and covariates differ in length", field: "arms")
        }
        if arms.count < 2 { return .notEnoughData(.singleVariant) }
        if arms.contains(where: { $0.outcomes.isEmpty }) { return .notEnoughData(.noTraffic) }
        if arms.contains(where: { $0.outcomes.count < 2 }) { return .notEnoughData(.tooFewObservations) }
        if arms.contains(where: { !$0.outcomes.allSatisfy(\.isFinite) || !$0.covariates.allSatisfy(\.isFinite) }) {
            return .notEnoughData(.missingData)
        }
        // Co-moments by Welford-style updates for numerical stability.
        var n = 0.0
        var meanX = 0.0
        var meanY = 0.0
        var cxx = 0.0
        var cxy = 0.0
        for arm in arms {
            for (y, x) in zip(arm.outcomes, arm.covariates) {
                n += 1
                let dx = x - meanX
                meanX += dx / n
                meanY += (y - meanY) / n
                cxx += dx * (x - meanX)
                cxy += dx * (y - meanY)
            }
        }
        let theta = cxx > 0 ? cxy / cxx : 0
        let unadjusted = arms.map { SampleSummary($0.outcomes) }
        let adjusted = arms.map { arm in
            SampleSummary(zip(arm.outcomes, arm.covariates).map { y, x in y - theta * (x - meanX) })
        }
        let rawVariance = zip(unadjusted, arms).reduce(0.0) { $0 + $1.0.variance * Double($1.1.outcomes.count - 1) }
        let newVariance = zip(adjusted, arms).reduce(0.0) { $0 + $1.0.variance * Double($1.1.outcomes.count - 1) }
        let reduction = rawVariance > 0 ? 1 - newVariance / rawVariance : 0
        return .computed(
            CUPEDResult(theta: theta, unadjusted: unadjusted, adjusted: adjusted, varianceReduction: reduction))
    }
}
