/// A half-open slice [start, end) of the unit interval owned by one variation.
package struct BucketRange: Hashable, Sendable {
    /// Inclusive lower bound.
    package var start: Double
    /// Exclusive upper bound.
    package var end: Double

    /// A range [start, end).
    package init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// Whether `n` falls in [start, end).
    @inlinable
    package func contains(_ n: Double) -> Bool { n >= start && n < end }
}

extension BucketRange {
    /// Equal weights 1/n for n variations (empty for n ≤ 0).
    package static func equalWeights(_ count: Int) -> [Double] {
        count <= 0 ? [] : [Double](repeating: 1 / Double(count), count: count)
    }

    /// Lays variations end to end by weight, each keeping only the first `coverage` share of its slot,
    /// so that raising coverage later only adds units and never moves an enrolled one.
    ///
    /// Follows GrowthBook's `getBucketRanges`: coverage is clamped to [0, 1]; weights that are missing,
    /// of the wrong length, or not summing to 1 within ±0.01 are replaced by equal weights.
    /// - Parameters:
    ///   - variationCount: number of variations.
    ///   - coverage: share of traffic included in the experiment.
    ///   - weights: share of included traffic per variation.
    package static func ranges(variationCount: Int, coverage: Double, weights: [Double]? = nil) -> [BucketRange] {
        let coverage = coverage.isNaN ? 0 : min(max(coverage, 0), 1)
        var shares = weights ?? equalWeights(variationCount)
        let total = shares.reduce(0, +)
        if shares.count != variationCount || !(total >= 0.99 && total <= 1.01) {
            shares = equalWeights(variationCount)
        }
        var cumulative = 0.0
        return shares.map { weight in
            let start = cumulative
            cumulative += weight
            return BucketRange(start: start, end: start + coverage * weight)
        }
    }

    /// The index of the first range containing `n`, or `nil` when `n` falls in none (not enrolled).
    package static func chooseVariation(_ n: Double, ranges: [BucketRange]) -> Int? {
        ranges.firstIndex { $0.contains(n) }
    }
}
