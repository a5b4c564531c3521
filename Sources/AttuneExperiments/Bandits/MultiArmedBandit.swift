/// A bandit's state: one policy and the statistics of its arms. A value type, so a serving snapshot can
/// be copied and replaced whole.
package struct MultiArmedBandit<Policy: BanditPolicy>: Sendable {
    /// The allocation rule.
    package let policy: Policy
    /// Per-arm statistics, indexed by arm.
    package private(set) var arms: [ArmStatistics]

    /// - Throws: `ExperimentError` for fewer than one arm.
    package init(armCount: Int, policy: Policy) throws(ExperimentError) {
        guard armCount >= 1 else { throw .invalidArgument("must be at least 1", field: "armCount") }
        self.policy = policy
        self.arms = [ArmStatistics](repeating: ArmStatistics(), count: armCount)
    }

    /// Records one observed reward; rewards for unknown arms or non-finite rewards are rejected.
    /// - Throws: `ExperimentError` for an arm index out of range or a non-finite reward.
    package mutating func record(arm: Int, reward: Double) throws(ExperimentError) {
        guard arms.indices.contains(arm) else { throw .invalidArgument("no such arm", field: "arm") }
        guard reward.isFinite else { throw .invalidArgument("must be finite", field: "reward") }
        arms[arm].pulls += 1
        arms[arm].rewardSum += reward
    }

    /// Traffic weights per arm, summing to 1.
    package func allocationWeights<G: RandomNumberGenerator>(using rng: inout G) -> [Double] {
        policy.allocationWeights(arms: arms, using: &rng)
    }

    /// The arm to serve next.
    package func chooseArm<G: RandomNumberGenerator>(using rng: inout G) -> Int {
        policy.chooseArm(arms: arms, using: &rng)
    }
}

/// One bandit per context key (e.g. a segment or device type), sharing a policy. A context seen for the
/// first time starts from the pooled statistics of all contexts scaled down to `priorWeight` pulls, so
/// it begins from what is known overall instead of from nothing.
package struct ContextualBandit<Policy: BanditPolicy>: Sendable {
    /// The allocation rule.
    package let policy: Policy
    /// Number of arms in every context.
    package let armCount: Int
    /// How many pulls' worth of pooled evidence a new context starts with (0 = none).
    package let priorWeight: Double
    /// Per-context arm statistics.
    package private(set) var contexts: [String: [ArmStatistics]] = [:]

    /// - Throws: `ExperimentError` for fewer than one arm or a negative prior weight.
    package init(armCount: Int, policy: Policy, priorWeight: Double = 0) throws(ExperimentError) {
        guard armCount >= 1 else { throw .invalidArgument("must be at least 1", field: "armCount") }
        guard priorWeight >= 0, priorWeight.isFinite else {
            throw .invalidArgument("must be non-negative", field: "priorWeight")
        }
        self.policy = policy
        self.armCount = armCount
        self.priorWeight = priorWeight
    }

    /// - Throws: `ExperimentError` for an arm index out of range or a non-finite reward.
    package mutating func record(context: String, arm: Int, reward: Double) throws(ExperimentError) {
        guard (0..<armCount).contains(arm) else { throw .invalidArgument("no such arm", field: "arm") }
        guard reward.isFinite else { throw .invalidArgument("must be finite", field: "reward") }
        var stats = contexts[context] ?? [ArmStatistics](repeating: ArmStatistics(), count: armCount)
        stats[arm].pulls += 1
        stats[arm].rewardSum += reward
        contexts[context] = stats
    }

    /// The statistics the policy sees for a context.
    package func statistics(for context: String) -> [ArmStatistics] {
        if let stats = contexts[context] { return stats }
        guard priorWeight > 0 else { return [ArmStatistics](repeating: ArmStatistics(), count: armCount) }
        var pooled = [ArmStatistics](repeating: ArmStatistics(), count: armCount)
        for stats in contexts.values {
            for (i, arm) in stats.enumerated() {
                pooled[i].pulls += arm.pulls
                pooled[i].rewardSum += arm.rewardSum
            }
        }
        return pooled.map { arm in
            guard arm.pulls > 0 else { return arm }
            let scale = min(1, priorWeight / Double(arm.pulls))
            let pulls = Int((Double(arm.pulls) * scale).rounded())
            return ArmStatistics(pulls: pulls, rewardSum: arm.meanReward * Double(pulls))
        }
    }

    /// Traffic weights for a context, summing to 1.
    package func allocationWeights<G: RandomNumberGenerator>(context: String, using rng: inout G) -> [Double] {
        policy.allocationWeights(arms: statistics(for: context), using: &rng)
    }

    /// The arm to serve next in a context.
    package func chooseArm<G: RandomNumberGenerator>(context: String, using rng: inout G) -> Int {
        policy.chooseArm(arms: statistics(for: context), using: &rng)
    }
}
