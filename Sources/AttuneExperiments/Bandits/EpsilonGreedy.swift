/// ε-greedy (Sutton & Barto 2018, §2.2): explore uniformly with probability ε, otherwise serve the
/// arm with the best mean reward.
package struct EpsilonGreedy: BanditPolicy, Hashable {
    /// Probability of exploring uniformly.
    package var epsilon: Double
    /// Guaranteed share per arm.
    package var minimumShare: Double

    /// - Throws: `ExperimentError` for ε outside [0, 1] or a share outside [0, 1).
    package init(epsilon: Double = 0.1, minimumShare: Double = 0) throws(ExperimentError) {
        try Validate.probability(epsilon, "epsilon")
        try BanditSupport.validateShare(minimumShare, "minimumShare")
        self.epsilon = epsilon
        self.minimumShare = minimumShare
    }

    /// ε/K to every arm plus 1 − ε split over the best arms; untried arms count as best so each gets
    /// tried.
    package func allocationWeights<G: RandomNumberGenerator>(arms: [ArmStatistics], using rng: inout G) -> [Double] {
        guard !arms.isEmpty else { return [] }
        let k = Double(arms.count)
        let scores = arms.map { $0.pulls > 0 ? $0.meanReward : .infinity }
        let greedy = BanditSupport.argmaxShares(scores)
        let weights = greedy.map { epsilon / k + (1 - epsilon) * $0 }
        return BanditSupport.applyFloor(weights, minimumShare: minimumShare)
    }
}
