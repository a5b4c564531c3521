/// What a bandit knows about one arm.
package struct ArmStatistics: Hashable, Sendable {
    /// Times the arm was served.
    package var pulls: Int
    /// Sum of rewards; for 0/1 rewards, the number of successes.
    package var rewardSum: Double

    /// Statistics after `pulls` servings with total reward `rewardSum`.
    package init(pulls: Int = 0, rewardSum: Double = 0) {
        self.pulls = pulls
        self.rewardSum = rewardSum
    }

    /// Mean reward, 0 before the first pull.
    package var meanReward: Double { pulls > 0 ? rewardSum / Double(pulls) : 0 }
}

/// A rule that turns arm statistics into traffic allocation weights.
package protocol BanditPolicy: Sendable {
    /// The guaranteed share of traffic per arm, so every arm keeps collecting data.
    var minimumShare: Double { get }

    /// Allocation weights summing to 1, each at least `minimumShare`.
    func allocationWeights<G: RandomNumberGenerator>(arms: [ArmStatistics], using rng: inout G) -> [Double]

    /// The arm to serve to one unit.
    func chooseArm<G: RandomNumberGenerator>(arms: [ArmStatistics], using rng: inout G) -> Int
}

extension BanditPolicy {
    /// Default: sample an arm from the allocation weights.
    package func chooseArm<G: RandomNumberGenerator>(arms: [ArmStatistics], using rng: inout G) -> Int {
        let weights = allocationWeights(arms: arms, using: &rng)
        return BanditSupport.sample(weights, using: &rng)
    }
}

enum BanditSupport {
    static func validateShare(_ share: Double, _ field: String) throws(ExperimentError) {
        guard share >= 0 && share < 1 else { throw .invalidProbability("must lie in [0, 1)", field: field) }
    }

    /// w′ = floor + (1 − K·floor)·w: keeps the ordering of w while guaranteeing the floor. When K·floor
    /// exceeds 1 the floor cannot be honoured and the split is equal.
    static func applyFloor(_ weights: [Double], minimumShare: Double) -> [Double] {
        let k = Double(weights.count)
        guard k > 0 else { return [] }
        let total = weights.reduce(0, +)
        let normalised =
            total > 0 && total.isFinite ? weights.map { $0 / total } : [Double](repeating: 1 / k, count: weights.count)
        let floor = minimumShare
        if floor * k >= 1 { return [Double](repeating: 1 / k, count: weights.count) }
        return normalised.map { floor + (1 - k * floor) * $0 }
    }

    /// Equal split over the indices with the maximal score.
    static func argmaxShares(_ scores: [Double]) -> [Double] {
        guard let best = scores.max() else { return [] }
        let winners = scores.map { $0 == best ? 1.0 : 0.0 }
        let count = winners.reduce(0, +)
        return winners.map { $0 / count }
    }

    static func sample<G: RandomNumberGenerator>(_ weights: [Double], using rng: inout G) -> Int {
        let u = RandomVariates.openUnit(using: &rng) * weights.reduce(0, +)
        var cumulative = 0.0
        for (index, w) in weights.enumerated() {
            cumulative += w
            if u < cumulative { return index }
        }
        return max(0, weights.count - 1)
    }
}
