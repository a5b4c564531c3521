import AttuneCore
import AttuneExperiments
import AttuneStore

extension ExperimentService {
    /// Recomputes the split of every running bandit experiment in `workspace` from its outcomes so
    /// far (units and conversions on the first metric, per variant) and stores it, so every process
    /// assigns new units with it. Returns the experiments updated.
    @discardableResult
    package func updateBandits(in workspace: WorkspaceID, seed: UInt64 = UInt64.random(in: 0...UInt64.max)) async throws -> [ExperimentKey] {
        var updated: [ExperimentKey] = []
        var rng = SplitMix64(seed: seed)
        for var definition in try await experiments(in: workspace) where definition.status == .running && definition.allocation != .fixed {
            guard let metric = definition.metrics.first else { continue }
            let outcomes = try await store.unitOutcomes(of: definition.key, types: [metric.event], lookbackMilliseconds: 0, in: workspace)
            // Each unit's context: the first listed segment it is a member of now, else the rest.
            var contextOf: [String: String] = [:]
            for context in definition.banditContexts.reversed() {
                // A context segment deleted since creation simply has no members.
                for unit in (try? await members(of: context, in: workspace)) ?? [] { contextOf[unit] = context.rawValue }
            }
            var arms = Array(repeating: ArmStatistics(), count: definition.variants.count)
            var byContext: [String: [ArmStatistics]] = [:]
            for outcome in outcomes where arms.indices.contains(outcome.variant) {
                let converted = (outcome.after[metric.event]?.count ?? 0) > 0 ? 1.0 : 0.0
                arms[outcome.variant].pulls += 1
                arms[outcome.variant].rewardSum += converted
                if !definition.banditContexts.isEmpty {
                    let context = contextOf[outcome.unit] ?? ExperimentDefinition.otherContext
                    byContext[context, default: Array(repeating: ArmStatistics(), count: arms.count)][outcome.variant].pulls += 1
                    byContext[context, default: Array(repeating: ArmStatistics(), count: arms.count)][outcome.variant].rewardSum += converted
                }
            }
            do {
                definition.banditWeights = try Self.policyWeights(definition, arms: arms, using: &rng)
                var contextWeights: [String: [Double]] = [:]
                for context in definition.banditContexts.map(\.rawValue) + [ExperimentDefinition.otherContext] {
                    // A context with no units yet starts from the pooled split.
                    guard let stats = byContext[context] else { continue }
                    contextWeights[context] = try Self.policyWeights(definition, arms: stats, using: &rng)
                }
                definition.banditContextWeights = contextWeights
            } catch {
                throw AttuneError.invalid(error.field ?? "minimumShare", error.message)
            }
            definition.banditUpdatedAt = clock.now()
            try await store.updateExperiment(definition, in: workspace, at: clock.now())
            forget(definition.key, in: workspace)
            updated.append(definition.key)
        }
        return updated
    }

    static func policyWeights<G: RandomNumberGenerator>(
        _ definition: ExperimentDefinition, arms: [ArmStatistics], using rng: inout G
    ) throws(ExperimentError) -> [Double] {
        let share = definition.minimumShare
        switch definition.allocation {
        case .fixed: return definition.weights
        case .thompson: return try ThompsonSampling(minimumShare: share).allocationWeights(arms: arms, using: &rng)
        case .ucb1: return try UCB1(minimumShare: share).allocationWeights(arms: arms, using: &rng)
        case .epsilonGreedy: return try EpsilonGreedy(epsilon: 0.1, minimumShare: share).allocationWeights(arms: arms, using: &rng)
        }
    }
}
