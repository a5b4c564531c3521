/// Σx/Σy over units as one arm summary, by the delta method: with per-unit numerators x and
/// denominators y, Var(x̄/ȳ) ≈ (s²ₓ/ȳ² − 2x̄·sₓᵧ/ȳ³ + x̄²·s²ᵧ/ȳ⁴)/n (Deng, Knoblich & Lu 2018).
/// Units, not events, are independent, so this is the variance a click-through rate needs.
package enum RatioSummary {
    /// A summary whose `mean` is the ratio and whose `varianceOfMean` is its delta-method variance,
    /// so the mean-based tests apply unchanged.
    /// - Returns: `.notEnoughData` for no units or a zero denominator total.
    package static func summarize(numerators x: [Double], denominators y: [Double]) -> AnalysisOutcome<SampleSummary> {
        let n = min(x.count, y.count)
        if n == 0 { return .notEnoughData(.noTraffic) }
        var mx = 0.0
        var my = 0.0
        for i in 0..<n {
            mx += x[i]
            my += y[i]
        }
        mx /= Double(n)
        my /= Double(n)
        if !(mx.isFinite && my.isFinite) { return .notEnoughData(.missingData) }
        if my == 0 { return .notEnoughData(.zeroBaseline) }
        if n < 2 { return .notEnoughData(.tooFewObservations) }
        var sxx = 0.0
        var syy = 0.0
        var sxy = 0.0
        for i in 0..<n {
            let dx = x[i] - mx
            let dy = y[i] - my
            sxx += dx * dx
            syy += dy * dy
            sxy += dx * dy
        }
        let d = Double(n - 1)
        sxx /= d
        syy /= d
        sxy /= d
        let ratio = mx / my
        let perUnit = sxx / (my * my) - 2 * mx * sxy / (my * my * my) + mx * mx * syy / (my * my * my * my)
        return .computed(SampleSummary(count: n, mean: ratio, variance: max(0, perUnit)))
    }
}
