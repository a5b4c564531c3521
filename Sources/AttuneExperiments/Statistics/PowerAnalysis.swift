import RealModule

/// Sample-size planning for a two-arm conversion experiment with equal arms, two-sided.
package enum PowerAnalysis {
    /// Which approximation to plan with. All agree to within about 0.1% at typical web rates.
    package enum Method: Sendable, Hashable, CaseIterable {
        /// n = 2((z_{1−α/2} + z_{power}) / h)², with Cohen's h (Cohen 1988, ch. 6).
        case cohensH
        /// Solves Φ(h√(n/2) − z_{1−α/2}) + Φ(−h√(n/2) − z_{1−α/2}) = power, counting the far tail
        /// (statsmodels `NormalIndPower`).
        case cohensHExact
        /// (z_{1−α/2}√(2p̄(1 − p̄)) + z_{power}√(p₁(1 − p₁) + p₂(1 − p₂)))² / (p₂ − p₁)²: variance under
        /// the null for the critical value, under the alternative for the power (Fleiss 1981).
        case pooledNormal
        /// (z_{1−α/2} + z_{power})² (p₁(1 − p₁) + p₂(1 − p₂)) / (p₂ − p₁)².
        case unpooledNormal
    }

    /// Cohen's effect size h = 2 asin √p₂ − 2 asin √p₁.
    package static func cohensH(_ p1: Double, _ p2: Double) -> Double {
        2 * Double.asin(p2.squareRoot()) - 2 * Double.asin(p1.squareRoot())
    }

    /// Units needed per arm, before rounding up.
    /// - Parameters:
    ///   - baseline: control conversion rate p₁ in (0, 1).
    ///   - relativeEffect: minimum detectable effect as a relative change, so p₂ = p₁(1 + mde).
    ///   - alpha: two-sided significance level.
    ///   - power: 1 − β.
    /// - Throws: `ExperimentError` when p₂ leaves (0, 1), the effect is zero, or a level is invalid.
    package static func sampleSizePerArm(
        baseline: Double, relativeEffect: Double, alpha: Double = 0.05, power: Double = 0.8,
        method: Method = .pooledNormal
    ) throws(ExperimentError) -> Double {
        try sampleSizePerArm(
            controlRate: baseline, treatmentRate: baseline * (1 + relativeEffect), alpha: alpha, power: power,
            method: method)
    }

    /// Units needed per arm to detect p₁ → p₂, before rounding up.
    /// - Throws: `ExperimentError` for rates outside (0, 1), equal rates, or invalid levels.
    package static func sampleSizePerArm(
        controlRate p1: Double, treatmentRate p2: Double, alpha: Double = 0.05, power: Double = 0.8,
        method: Method = .pooledNormal
    ) throws(ExperimentError) -> Double {
        guard p1 > 0 && p1 < 1 else { throw .invalidProbability("must lie in (0, 1)", field: "controlRate") }
        guard p2 > 0 && p2 < 1 else { throw .invalidProbability("must lie in (0, 1)", field: "treatmentRate") }
        guard p1 != p2 else { throw .invalidArgument("effect must not be zero", field: "treatmentRate") }
        try Validate.level(alpha, "alpha")
        try Validate.level(power, "power")
        let za = Normal.quantile(1 - alpha / 2)
        let zb = Normal.quantile(power)
        let delta = p2 - p1
        switch method {
        case .cohensH:
            let h = cohensH(p1, p2)
            return 2 * ((za + zb) / h) * ((za + zb) / h)
        case .cohensHExact:
            return exactCohensH(h: abs(cohensH(p1, p2)), za: za, power: power)
        case .pooledNormal:
            let pbar = (p1 + p2) / 2
            let s = za * (2 * pbar * (1 - pbar)).squareRoot() + zb * (p1 * (1 - p1) + p2 * (1 - p2)).squareRoot()
            return s * s / (delta * delta)
        case .unpooledNormal:
            return (za + zb) * (za + zb) * (p1 * (1 - p1) + p2 * (1 - p2)) / (delta * delta)
        }
    }

    /// Power of the two-sided test with n per arm and effect size h.
    package static func power(cohensH h: Double, perArm n: Double, alpha: Double = 0.05) -> Double {
        let za = Normal.quantile(1 - alpha / 2)
        let d = abs(h) * (n / 2).squareRoot()
        return Normal.survival(za - d) + Normal.cdf(-za - d)
    }

    private static func exactCohensH(h: Double, za: Double, power target: Double) -> Double {
        // Power rises monotonically in n; bisect on √n, which the power is smooth in.
        func power(_ n: Double) -> Double {
            let d = h * (n / 2).squareRoot()
            return Normal.survival(za - d) + Normal.cdf(-za - d)
        }
        var low = 0.0
        var high = max(1.0, 2 * ((za + Normal.quantile(target)) / h) * ((za + Normal.quantile(target)) / h) * 2)
        while power(high) < target { high *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (low + high)
            if power(mid) < target { low = mid } else { high = mid }
            if high - low <= 1e-13 * high { break }
        }
        return 0.5 * (low + high)
    }
}

/// How long an experiment must run.
package struct RuntimeEstimate: Hashable, Sendable {
    /// Days of traffic needed, unrounded to weeks.
    package var days: Int
    /// Whole weeks, rounded up, so every weekday is equally represented.
    package var weeks: Int

    /// - Parameters:
    ///   - sampleSizePerArm: units needed in each arm (rounded up here).
    ///   - arms: number of arms.
    ///   - dailyTraffic: eligible units per day.
    ///   - trafficShare: fraction of eligible traffic enrolled, in (0, 1].
    /// - Throws: `ExperimentError` for non-positive arms or traffic.
    /// - Returns: `.notEnoughData(.noTraffic)` when there is no daily traffic.
    package static func estimate(
        sampleSizePerArm: Double, arms: Int, dailyTraffic: Double, trafficShare: Double = 1
    ) throws(ExperimentError) -> AnalysisOutcome<RuntimeEstimate> {
        guard arms >= 1 else { throw .invalidArgument("must be at least 1", field: "arms") }
        guard sampleSizePerArm >= 0, sampleSizePerArm.isFinite else {
            throw .invalidArgument("must be finite and non-negative", field: "sampleSizePerArm")
        }
        guard dailyTraffic >= 0, dailyTraffic.isFinite else {
            throw .invalidArgument("must be finite and non-negative", field: "dailyTraffic")
        }
        guard trafficShare > 0 && trafficShare <= 1 else {
            throw .invalidProbability("must lie in (0, 1]", field: "trafficShare")
        }
        let enrolled = dailyTraffic * trafficShare
        if enrolled == 0 { return .notEnoughData(.noTraffic) }
        let total = sampleSizePerArm.rounded(.up) * Double(arms)
        let days = max(1, Int((total / enrolled).rounded(.up)))
        return .computed(RuntimeEstimate(days: days, weeks: (days + 6) / 7))
    }
}
