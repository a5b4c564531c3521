import AttuneExperiments
import Testing

struct BanditTests {
    static let rates = [0.1, 0.2, 0.3]

    /// Expected regret Σ (p* − p_chosen) over a horizon, averaged over seeds.
    static func regret<Policy: BanditPolicy>(_ policy: Policy, horizon: Int, seeds: ClosedRange<UInt64>) throws
        -> Double
    {
        let best = rates.max() ?? 0
        var total = 0.0
        for seed in seeds {
            var rng = SplitMix64(seed: seed)
            var bandit = try MultiArmedBandit(armCount: rates.count, policy: policy)
            for _ in 0..<horizon {
                let arm = bandit.chooseArm(using: &rng)
                let reward = RandomVariates.openUnit(using: &rng) < rates[arm] ? 1.0 : 0.0
                try bandit.record(arm: arm, reward: reward)
                total += best - rates[arm]
            }
        }
        return total / Double(seeds.count)
    }

    @Test func thompsonSamplingHasLowerRegretThanEpsilonGreedy() throws {
        let horizon = 5000
        let seeds: ClosedRange<UInt64> = 1...10
        let thompson = try Self.regret(ThompsonSampling(), horizon: horizon, seeds: seeds)
        let greedy = try Self.regret(EpsilonGreedy(epsilon: 0.1), horizon: horizon, seeds: seeds)
        let ucb = try Self.regret(UCB1(), horizon: horizon, seeds: seeds)
        print(
            "3-arm Bernoulli \(Self.rates), horizon \(horizon), mean regret: Thompson \(thompson), epsilon-greedy(0.1) \(greedy), UCB1 \(ucb)"
        )
        #expect(thompson < greedy)
        #expect(thompson < ucb)
    }

    @Test func allocationWeightsSumToOneAndRespectTheFloor() throws {
        var rng = SplitMix64(seed: 5)
        let arms = [
            ArmStatistics(pulls: 1000, rewardSum: 50), ArmStatistics(pulls: 1000, rewardSum: 120),
            ArmStatistics(pulls: 1000, rewardSum: 80),
        ]
        let policies: [any BanditPolicy] = [
            try ThompsonSampling(minimumShare: 0.05), try UCB1(minimumShare: 0.05),
            try EpsilonGreedy(epsilon: 0.1, minimumShare: 0.05),
        ]
        for policy in policies {
            let weights = policy.allocationWeights(arms: arms, using: &rng)
            #expect(abs(weights.reduce(0, +) - 1) < 1e-12)
            #expect(weights.allSatisfy { $0 >= 0.05 - 1e-12 })
            #expect(weights.firstIndex(of: weights.max()!) == 1)
        }
    }

    @Test func untriedArmsAreExploredFirst() throws {
        var rng = SplitMix64(seed: 1)
        let arms = [ArmStatistics(pulls: 10, rewardSum: 9), ArmStatistics()]
        #expect(try UCB1().allocationWeights(arms: arms, using: &rng) == [0, 1])
        let greedy = try EpsilonGreedy(epsilon: 0.2).allocationWeights(arms: arms, using: &rng)
        #expect(abs(greedy[1] - 0.9) < 1e-12)
    }

    @Test func noDataGivesAnEvenSplitWithoutNaN() throws {
        var rng = SplitMix64(seed: 3)
        let empty = [ArmStatistics](repeating: ArmStatistics(), count: 4)
        for policy in [try ThompsonSampling(draws: 4000)] as [any BanditPolicy] {
            let weights = policy.allocationWeights(arms: empty, using: &rng)
            #expect(weights.allSatisfy { abs($0 - 0.25) < 0.03 })
        }
        #expect(try UCB1().allocationWeights(arms: empty, using: &rng) == [0.25, 0.25, 0.25, 0.25])
        #expect(try UCB1().allocationWeights(arms: [], using: &rng).isEmpty)
        let single = [ArmStatistics(pulls: 3, rewardSum: 0)]
        #expect(try ThompsonSampling().allocationWeights(arms: single, using: &rng) == [1])
    }

    @Test func seededDecisionsReplayExactly() throws {
        let arms = [ArmStatistics(pulls: 100, rewardSum: 10), ArmStatistics(pulls: 100, rewardSum: 12)]
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        let policy = try ThompsonSampling()
        #expect(
            policy.allocationWeights(arms: arms, using: &first) == policy.allocationWeights(arms: arms, using: &second))
    }

    @Test func contextualBanditLearnsADifferentBestArmPerContext() throws {
        var rng = SplitMix64(seed: 11)
        var bandit = try ContextualBandit(armCount: 2, policy: ThompsonSampling(minimumShare: 0.02))
        let rates = ["mobile": [0.15, 0.05], "desktop": [0.05, 0.15]]
        for _ in 0..<3000 {
            for (context, contextRates) in rates {
                let arm = bandit.chooseArm(context: context, using: &rng)
                try bandit.record(
                    context: context, arm: arm, reward: RandomVariates.openUnit(using: &rng) < contextRates[arm] ? 1 : 0
                )
            }
        }
        let mobile = bandit.allocationWeights(context: "mobile", using: &rng)
        let desktop = bandit.allocationWeights(context: "desktop", using: &rng)
        #expect(mobile[0] > 0.9)
        #expect(desktop[1] > 0.9)
        #expect(bandit.allocationWeights(context: "tablet", using: &rng).allSatisfy { abs($0 - 0.5) < 0.1 })
        #expect(throws: ExperimentError.self) { try bandit.record(context: "mobile", arm: 5, reward: 1) }
    }

    @Test func gammaAndBetaSamplersHaveTheRightMoments() {
        var rng = SplitMix64(seed: 8)
        for shape in [0.3, 1.0, 4.5] {
            var sum = 0.0
            let draws = 40_000
            for _ in 0..<draws { sum += RandomVariates.gamma(shape: shape, using: &rng) }
            let se = (shape / Double(draws)).squareRoot()
            #expect(abs(sum / Double(draws) - shape) < 5 * se)
        }
        var sum = 0.0
        for _ in 0..<40_000 { sum += RandomVariates.beta(2, 6, using: &rng) }
        #expect(abs(sum / 40_000 - 0.25) < 0.003)
    }
}
