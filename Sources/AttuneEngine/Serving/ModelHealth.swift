import AttuneCore
import AttuneExperiments

/// Whether the served model's click-through rate has fallen below a share of the best earlier
/// version's, by a one-sided two-proportion z-test, so that a retraining is not started on noise.
package struct ModelHealthPolicy: Sendable, Hashable {
    /// Alert when the current CTR is below `ratio` × the baseline CTR.
    package var ratio: Double
    /// Impressions each version needs before it is judged or used as a baseline.
    package var minimumImpressions: Int
    /// One-sided significance of "current below ratio × baseline".
    package var alpha: Double

    package init(ratio: Double = 0.8, minimumImpressions: Int = 1_000, alpha: Double = 0.01) {
        self.ratio = ratio
        self.minimumImpressions = minimumImpressions
        self.alpha = alpha
    }

    /// The evidence for a retraining, or `nil` when the served version is healthy or not yet judged.
    package func verdict(current version: Int, counts: [Int: ClickThroughTracker.Counts]) -> String? {
        guard let now = counts[version], now.impressions >= minimumImpressions, let rate = now.rate else { return nil }
        let earlier = counts.filter { $0.key < version && $0.value.impressions >= minimumImpressions }
        guard let (baseVersion, base) = earlier.max(by: { ($0.value.rate ?? 0) < ($1.value.rate ?? 0) }),
            let baseRate = base.rate, baseRate > 0
        else { return nil }
        let threshold = ratio * baseRate
        guard rate < threshold else { return nil }
        // H₀: p_now ≥ ratio·p_base against p_now < ratio·p_base, unpooled standard error.
        let variance = rate * (1 - rate) / Double(now.impressions)
            + ratio * ratio * baseRate * (1 - baseRate) / Double(base.impressions)
        guard variance > 0 else { return nil }
        let z = (rate - threshold) / variance.squareRoot()
        let p = Normal.cdf(z)
        guard p < alpha else { return nil }
        return "model v\(version) click-through \(Self.format(rate)) (\(now.clicks)/\(now.impressions)) is below "
            + "\(Self.format(ratio)) x v\(baseVersion)'s \(Self.format(baseRate)) (\(base.clicks)/\(base.impressions)); one-sided p = \(Self.format(p))"
    }

    private static func format(_ x: Double) -> String {
        let scaled = (x * 10_000).rounded() / 10_000
        return x != 0 && abs(x) < 0.0001 ? "\(x)" : "\(scaled)"
    }
}
