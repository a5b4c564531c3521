import RealModule

/// One evaluation of the mixture sequential probability ratio test.
package struct SequentialResult: Hashable, Sendable {
    /// The mixture likelihood ratio Λₙ.
    package var likelihoodRatio: Double
    /// min(1, 1/Λₙ) at this look. Take the running minimum over looks (as `SequentialMonitor` does)
    /// for the always-valid p-value.
    package var pValue: Double
    /// The always-valid confidence interval for the difference at this look.
    package var interval: ConfidenceInterval
    /// Λₙ ≥ 1/α: the null can be rejected now, whenever "now" is.
    package var rejectsNull: Bool
}

/// The mixture SPRT with a normal mixing distribution (Robbins 1970; Johari, Pekelis & Walsh 2017,
/// "Always Valid Inference: Bringing Sequential Analysis to A/B Testing"), on the asymptotically normal
/// difference of two arm means.
///
/// With δ̂ the observed difference, V its squared standard error and τ² the mixing variance,
/// Λ = √(V/(V + τ²)) · exp(τ²δ̂² / (2V(V + τ²))). Λ is a non-negative martingale under H₀, so by
/// Ville's inequality P(ever Λ ≥ 1/α) ≤ α whatever the number or timing of looks. Inverting it gives
/// the confidence sequence δ̂ ± √(V(V + τ²)/τ² · (2 ln(1/α) + ln((V + τ²)/V))), the form GrowthBook
/// uses (Howard et al. 2021), with τ² = ρ²·σ² for per-unit variance σ² = V·n and ρ tuned to be
/// tightest at a chosen total sample size.
///
/// Ville's bound is loose when one looks only a few times: at ten looks the realised false-positive
/// rate is typically about 1% for α = 5%. Use `GroupSequentialDesign` when the looks are planned.
package struct MixtureSPRT: Sendable, Hashable {
    /// Type I error bound over all looks.
    package var alpha: Double
    /// The total sample size at which the interval is tightest.
    package var tuningSampleSize: Double

    /// - Throws: `ExperimentError` for alpha outside (0, 1) or a non-positive tuning size.
    package init(alpha: Double = 0.05, tuningSampleSize: Double = 5000) throws(ExperimentError) {
        try Validate.level(alpha, "alpha")
        guard tuningSampleSize > 0, tuningSampleSize.isFinite else {
            throw .invalidArgument("must be positive", field: "tuningSampleSize")
        }
        self.alpha = alpha
        self.tuningSampleSize = tuningSampleSize
    }

    /// ρ² = (−2 ln α + ln(−2 ln α + 1)) / N, the value that minimises the interval width at N.
    package var rhoSquared: Double {
        let l = -2 * Double.log(alpha)
        return (l + Double.log(l + 1)) / tuningSampleSize
    }

    /// Evaluates the test at one look.
    /// - Parameters:
    ///   - difference: δ̂, treatment minus control.
    ///   - varianceOfDifference: V, e.g. s²_t/n_t + s²_c/n_c.
    ///   - sampleSize: total units so far across both arms.
    package func evaluate(
        difference: Double, varianceOfDifference v: Double, sampleSize: Int
    ) -> AnalysisOutcome<SequentialResult> {
        if sampleSize <= 0 { return .notEnoughData(.noTraffic) }
        if !difference.isFinite || !v.isFinite { return .notEnoughData(.missingData) }
        guard v > 0 else { return .notEnoughData(.noVariance) }
        let tau2 = rhoSquared * v * Double(sampleSize)
        let logLambda = 0.5 * Double.log(v / (v + tau2)) + tau2 * difference * difference / (2 * v * (v + tau2))
        let half = (v * (v + tau2) / tau2 * (2 * Double.log(1 / alpha) + Double.log((v + tau2) / v))).squareRoot()
        let lambda = Double.exp(min(logLambda, 700))
        return .computed(
            SequentialResult(
                likelihoodRatio: lambda,
                pValue: min(1, Double.exp(-logLambda)),
                interval: ConfidenceInterval(lower: difference - half, upper: difference + half),
                rejectsNull: logLambda >= Double.log(1 / alpha)))
    }

    /// Evaluates the test on two conversion arms (treatment minus control, unpooled variance).
    /// - Throws: `ExperimentError.invalidCount` for invalid counts.
    package func evaluate(
        controlSuccesses: Int, controlTrials: Int, treatmentSuccesses: Int, treatmentTrials: Int
    ) throws(ExperimentError) -> AnalysisOutcome<SequentialResult> {
        try Validate.successes(controlSuccesses, of: controlTrials, "controlSuccesses")
        try Validate.successes(treatmentSuccesses, of: treatmentTrials, "treatmentSuccesses")
        if controlTrials == 0 || treatmentTrials == 0 { return .notEnoughData(.noTraffic) }
        let pc = Double(controlSuccesses) / Double(controlTrials)
        let pt = Double(treatmentSuccesses) / Double(treatmentTrials)
        let v = pc * (1 - pc) / Double(controlTrials) + pt * (1 - pt) / Double(treatmentTrials)
        return evaluate(difference: pt - pc, varianceOfDifference: v, sampleSize: controlTrials + treatmentTrials)
    }
}

/// Keeps the running minimum p-value of a `MixtureSPRT` across looks, which is what makes it
/// always valid, and remembers the first rejection.
package struct SequentialMonitor: Sendable {
    /// The test applied at each look.
    package let test: MixtureSPRT
    /// The always-valid p-value: the running minimum so far.
    package private(set) var pValue = 1.0
    /// Looks taken so far.
    package private(set) var looks = 0
    /// The look (1-based) at which the null was first rejected, if it has been.
    package private(set) var rejectedAtLook: Int?

    /// A monitor that has not looked yet.
    package init(test: MixtureSPRT) { self.test = test }

    /// Records one look; returns that look's outcome.
    package mutating func observe(
        difference: Double, varianceOfDifference: Double, sampleSize: Int
    ) -> AnalysisOutcome<SequentialResult> {
        looks += 1
        let outcome = test.evaluate(
            difference: difference, varianceOfDifference: varianceOfDifference, sampleSize: sampleSize)
        if let result = outcome.value {
            pValue = min(pValue, result.pValue)
            if result.rejectsNull && rejectedAtLook == nil { rejectedAtLook = looks }
        }
        return outcome
    }
}
