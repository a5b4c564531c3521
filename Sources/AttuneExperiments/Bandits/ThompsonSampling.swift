/// Thompson sampling for 0/1 rewards with Beta posteriors (Thompson 1933; Chapelle & Li 2011,
/// "An Empirical Evaluation of Thompson Sampling").
package struct ThompsonSampling: BanditPolicy, Hashable {
    /// Beta prior successes.
    package var priorAlpha: Double
    /// Beta prior failures.
    package var priorBeta: Double
    /// Guaranteed share per arm.
    package var minimumShare: Double
    /// Posterior draws used to estimate each arm's probability of being best.
    package var draws: Int

    /// - Throws: `ExperimentError` for non-positive priors or draws, or a share outside [0, 1).
    package init(
        priorAlpha: Double = 1, priorBeta: Double = 1, minimumShare: Double = 0, draws: Int = 1000
    ) throws(ExperimentError) {
        guard priorAlpha > 0, priorBeta > 0 else { throw .invalidArgument("must be positive", field: "priorAlpha") }
        guard draws > 0 else { throw .invalidArgument("must be positive", field: "draws") }
        try BanditSupport.validateShare(minimumShare, "minimumShare")
        self.priorAlpha = priorAlpha
        self.priorBeta = priorBeta
        self.minimumShare = minimumShare
        self.draws = draws
    }

    /// The Monte Carlo probability that each arm is best, floored at `minimumShare`.
    /// - Complexity: O(draws · arms).
    package func allocationWeights<G: RandomNumberGenerator>(arms: [ArmStatistics], using rng: inout G) -> [Double] {
        guard !arms.isEmpty else { return [] }
        var wins = [Double](repeating: 0, count: arms.count)
        for _ in 0..<draws {
            wins[chooseArm(arms: arms, using: &rng)] += 1
        }
        return BanditSupport.applyFloor(wins, minimumShare: minimumShare)
    }

    /// One posterior draw per arm; serves the arm with the highest draw (or, with probability
    /// K·minimumShare, a uniformly random arm so the floor holds per unit as well).
    package func chooseArm<G: RandomNumberGenerator>(arms: [ArmStatistics], using rng: inout G) -> Int {
        guard !arms.isEmpty else { return 0 }
        if minimumShare > 0 && RandomVariates.openUnit(using: &rng) < minimumShare * Double(arms.count) {
            return Int.random(in: 0..<arms.count, using: &rng)
        }
        var best = 0
        var bestDraw = -1.0
        for (index, arm) in arms.enumerated() {
            let successes = min(max(arm.rewardSum, 0), Double(arm.pulls))
            let draw = RandomVariates.beta(
                priorAlpha + successes, priorBeta + Double(arm.pulls) - successes, using: &rng)
            if draw > bestDraw {
                bestDraw = draw
                best = index
            }
        }
        return best
    }
}
