import RealModule

/// UCB1 (Auer, Cesa-Bianchi & Fischer 2002, "Finite-time Analysis of the Multiarmed Bandit Problem"):
/// serve the arm maximising x̄ᵢ + √(2 ln N / nᵢ); untried arms first.
package struct UCB1: BanditPolicy, Hashable {
    /// Guaranteed share per arm.
    package var minimumShare: Double

    /// - Throws: `ExperimentError` for a share outside [0, 1).
    package init(minimumShare: Double = 0) throws(ExperimentError) {
        try BanditSupport.validateShare(minimumShare, "minimumShare")
        self.minimumShare = minimumShare
    }

    /// The upper confidence bounds; +∞ for untried arms.
    package func upperBounds(arms: [ArmStatistics]) -> [Double] {
        let total = Double(arms.reduce(0) { $0 + $1.pulls })
        return arms.map { arm in
            guard arm.pulls > 0 else { return .infinity }
            return arm.meanReward + (2 * Double.log(max(total, 1)) / Double(arm.pulls)).squareRoot()
        }
    }

    /// All non-floor traffic to the arm(s) with the highest bound.
    package func allocationWeights<G: RandomNumberGenerator>(arms: [ArmStatistics], using rng: inout G) -> [Double] {
        guard !arms.isEmpty else { return [] }
        return BanditSupport.applyFloor(BanditSupport.argmaxShares(upperBounds(arms: arms)), minimumShare: minimumShare)
    }
}
