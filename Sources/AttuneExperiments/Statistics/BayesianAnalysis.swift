import RealModule

/// Posterior summary of a two-arm Bayesian comparison (B is the treatment).
package struct BayesianResult: Hashable, Sendable {
    /// P(θ_B > θ_A | data).
    package var probabilityBBeatsA: Double
    /// E[max(θ_A − θ_B, 0)]: what is lost on average by shipping B if A is in fact better.
    package var expectedLossChoosingB: Double
    /// E[max(θ_B − θ_A, 0)].
    package var expectedLossChoosingA: Double
    /// Posterior mean of arm A.
    package var posteriorMeanA: Double
    /// Posterior mean of arm B.
    package var posteriorMeanB: Double
}

/// Beta–Binomial conversion analysis with conjugate Beta priors.
package enum BetaBinomial {
    /// P(p_B > p_A) for p_A ~ Beta(αA, βA), p_B ~ Beta(αB, βB).
    ///
    /// With an integer αB (or αA, by symmetry) this is Evan Miller's exact finite sum
    /// Σ_{i<αB} B(αA + i, βA + βB) / ((βB + i) B(1 + i, βB) B(αA, βA)), accumulated in log space;
    /// otherwise ∫ f_B(x) F_A(x) dx by adaptive Simpson quadrature over the bulk of B.
    /// - Complexity: O(min(αA, αB)) for the sum.
    package static func probabilityBBeatsA(
        alphaA: Double, betaA: Double, alphaB: Double, betaB: Double
    ) -> Double {
        let integerB = alphaB == alphaB.rounded() && alphaB < 1e7
        let integerA = alphaA == alphaA.rounded() && alphaA < 1e7
        if integerB {
            return exactSum(alphaA: alphaA, betaA: betaA, alphaB: alphaB, betaB: betaB)
        }
        if integerA {
            return 1 - exactSum(alphaA: alphaB, betaA: betaB, alphaB: alphaA, betaB: betaA)
        }
        return quadrature(alphaA: alphaA, betaA: betaA, alphaB: alphaB, betaB: betaB)
    }

    private static func exactSum(alphaA: Double, betaA: Double, alphaB: Double, betaB: Double) -> Double {
        let count = Int(alphaB)
        let base = SpecialFunctions.logBeta(alphaA, betaA)
        var terms = [Double]()
        terms.reserveCapacity(count)
        for index in 0..<count {
            let i = Double(index)
            terms.append(
                SpecialFunctions.logBeta(alphaA + i, betaA + betaB) - Double.log(betaB + i)
                    - SpecialFunctions.logBeta(1 + i, betaB) - base)
        }
        let top = terms.max() ?? -.infinity
        if top == -.infinity { return 0 }
        let sum = terms.reduce(0.0) { $0 + Double.exp($1 - top) }
        return min(1, max(0, Double.exp(top) * sum))
    }

    private static func quadrature(alphaA: Double, betaA: Double, alphaB: Double, betaB: Double) -> Double {
        let logB = SpecialFunctions.logBeta(alphaB, betaB)
        func f(_ x: Double) -> Double {
            if x <= 0 || x >= 1 { return 0 }
            let pdf = Double.exp((alphaB - 1) * Double.log(x) + (betaB - 1) * Double.log(onePlus: -x) - logB)
            return pdf * BetaDistribution.cdf(x, alpha: alphaA, beta: betaA)
        }
        let lower = BetaDistribution.quantile(1e-14, alpha: alphaB, beta: betaB)
        let upper = BetaDistribution.quantile(1 - 1e-14, alpha: alphaB, beta: betaB)
        // The mass of B outside [lower, upper] where F_A ≈ 1 is added back as 1e-14.
        return min(1, max(0, adaptiveSimpson(f, lower, upper, tolerance: 1e-12, depth: 40) + 1e-14))
    }

    private static func adaptiveSimpson(
        _ f: (Double) -> Double, _ a: Double, _ b: Double, tolerance: Double, depth: Int
    ) -> Double {
        func simpson(_ a: Double, _ fa: Double, _ b: Double, _ fb: Double) -> (Double, Double, Double) {
            let m = 0.5 * (a + b)
            let fm = f(m)
            return (m, fm, (b - a) / 6 * (fa + 4 * fm + fb))
        }
        func recurse(
            _ a: Double, _ fa: Double, _ b: Double, _ fb: Double, _ whole: Double, _ m: Double, _ fm: Double,
            _ tolerance: Double, _ depth: Int
        ) -> Double {
            let (lm, flm, left) = simpson(a, fa, m, fm)
            let (rm, frm, right) = simpson(m, fm, b, fb)
            let delta = left + right - whole
            if depth <= 0 || abs(delta) <= 15 * tolerance { return left + right + delta / 15 }
            return recurse(a, fa, m, fm, left, lm, flm, tolerance / 2, depth - 1)
                + recurse(m, fm, b, fb, right, rm, frm, tolerance / 2, depth - 1)
        }
        let fa = f(a)
        let fb = f(b)
        let (m, fm, whole) = simpson(a, fa, b, fb)
        return recurse(a, fa, b, fb, whole, m, fm, tolerance, depth)
    }

    /// Compares two conversion arms under Beta(priorAlpha, priorBeta) priors.
    ///
    /// Expected loss uses E[max(p_A − p_B, 0)] = E[p_A]·P(p_A′ > p_B) − E[p_B]·P(p_A > p_B′), where
    /// p_A′ ~ Beta(αA + 1, βA) and p_B′ ~ Beta(αB + 1, βB) (Stucchio 2015, "Bayesian A/B Testing at VWO").
    /// - Throws: `ExperimentError` for invalid counts or non-positive priors.
    /// - Returns: `.notEnoughData(.noTraffic)` when an arm has no trials, since the answer would be
    ///   the prior's.
    package static func compare(
        successesA: Int, trialsA: Int, successesB: Int, trialsB: Int, priorAlpha: Double = 1, priorBeta: Double = 1
    ) throws(ExperimentError) -> AnalysisOutcome<BayesianResult> {
        try Validate.successes(successesA, of: trialsA, "successesA")
        try Validate.successes(successesB, of: trialsB, "successesB")
        guard priorAlpha > 0, priorBeta > 0, priorAlpha.isFinite, priorBeta.isFinite else {
            throw .invalidArgument("prior parameters must be positive", field: "priorAlpha")
        }
        if trialsA == 0 || trialsB == 0 { return .notEnoughData(.noTraffic) }
        let aA = priorAlpha + Double(successesA)
        let bA = priorBeta + Double(trialsA - successesA)
        let aB = priorAlpha + Double(successesB)
        let bB = priorBeta + Double(trialsB - successesB)
        let meanA = aA / (aA + bA)
        let meanB = aB / (aB + bB)
        let pBA = probabilityBBeatsA(alphaA: aA, betaA: bA, alphaB: aB, betaB: bB)
        // P(A' > B) with A' ~ Beta(aA+1, bA) and P(A > B') with B' ~ Beta(aB+1, bB).
        let pAplusBeatsB = probabilityBBeatsA(alphaA: aB, betaA: bB, alphaB: aA + 1, betaB: bA)
        let pABeatsBplus = probabilityBBeatsA(alphaA: aB + 1, betaA: bB, alphaB: aA, betaB: bA)
        let lossB = max(0, meanA * pAplusBeatsB - meanB * pABeatsBplus)
        // E[max(B − A, 0)] − E[max(A − B, 0)] = E[B] − E[A].
        let lossA = max(0, lossB + meanB - meanA)
        return .computed(
            BayesianResult(
                probabilityBBeatsA: pBA, expectedLossChoosingB: lossB, expectedLossChoosingA: lossA,
                posteriorMeanA: meanA, posteriorMeanB: meanB))
    }
}

/// Bayesian comparison of two arm means under a normal approximation with flat priors: each mean's
/// posterior is N(x̄, s²/n), so θ_B − θ_A ~ N(d, σ²) with d = x̄_B − x̄_A and σ² = s²_A/n_A + s²_B/n_B.
package enum NormalMeans {
    /// P(B > A) = Φ(d/σ); E[max(A − B, 0)] = σφ(d/σ) − dΦ(−d/σ).
    /// - Returns: `.notEnoughData` for an arm with under two units, non-finite input or zero variance.
    package static func compare(_ a: SampleSummary, _ b: SampleSummary) -> AnalysisOutcome<BayesianResult> {
        if a.count == 0 || b.count == 0 { return .notEnoughData(.noTraffic) }
        if a.count < 2 || b.count < 2 { return .notEnoughData(.tooFewObservations) }
        if !a.isFinite || !b.isFinite { return .notEnoughData(.missingData) }
        let v = a.varianceOfMean + b.varianceOfMean
        guard v > 0 else { return .notEnoughData(.noVariance) }
        let sigma = v.squareRoot()
        let d = b.mean - a.mean
        let z = d / sigma
        let lossB = sigma * Normal.pdf(z) - d * Normal.cdf(-z)
        let lossA = sigma * Normal.pdf(z) + d * Normal.cdf(z)
        return .computed(
            BayesianResult(
                probabilityBBeatsA: Normal.cdf(z), expectedLossChoosingB: max(0, lossB),
                expectedLossChoosingA: max(0, lossA), posteriorMeanA: a.mean, posteriorMeanB: b.mean))
    }
}
