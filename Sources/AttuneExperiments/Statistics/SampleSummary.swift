/// Count, mean and unbiased variance of one arm's metric, the sufficient statistics for the mean tests.
package struct SampleSummary: Hashable, Sendable {
    /// Number of observations.
    package var count: Int
    /// Sample mean.
    package var mean: Double
    /// The sample variance with n − 1 in the denominator (0 when count < 2).
    package var variance: Double

    /// A summary from precomputed moments.
    package init(count: Int, mean: Double, variance: Double) {
        self.count = count
        self.mean = mean
        self.variance = variance
    }

    /// Summarises raw values with Welford's update, which avoids the cancellation of Σx² − n·x̄².
    /// - Complexity: O(n).
    package init(_ values: [Double]) {
        var mean = 0.0
        var m2 = 0.0
        var n = 0.0
        for x in values {
            n += 1
            let delta = x - mean
            mean += delta / n
            m2 += delta * (x - mean)
        }
        self.count = values.count
        self.mean = mean
        self.variance = values.count > 1 ? m2 / (n - 1) : 0
    }

    /// Summary of a 0/1 metric from counts: variance x(n − x)/(n(n − 1)).
    package init(successes: Int, trials: Int) {
        count = trials
        let n = Double(trials)
        mean = trials > 0 ? Double(successes) / n : 0
        variance = trials > 1 ? Double(successes) * Double(trials - successes) / (n * (n - 1)) : 0
    }

    /// The squared standard error of the mean, s²/n.
    package var varianceOfMean: Double { count > 0 ? variance / Double(count) : .infinity }

    var isFinite: Bool { mean.isFinite && variance.isFinite }
}
