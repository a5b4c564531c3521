/// One variation of an experiment. `strategy` names the recommendation strategy its units are
/// served, which is how recommenders are compared against each other.
package struct ExperimentVariant: Sendable, Hashable {
    package var key: String
    package var weight: Double
    package var strategy: String?

    package init(key: String, weight: Double, strategy: String? = nil) {
        self.key = key
        self.weight = weight
        self.strategy = strategy
    }
}

/// A slice [start, end) of a mutually exclusive layer: experiments in one layer with disjoint
/// slices never share a unit.
package struct ExperimentLayer: Sendable, Hashable {
    package var name: String
    package var start: Double
    package var end: Double

    package init(name: String, start: Double, end: Double) {
        self.name = name
        self.start = start
        self.end = end
    }
}

/// How traffic is split between variants: fixed weights, or a bandit that moves traffic towards
/// the variant converting best on the first metric while keeping a minimum share for each.
package enum ExperimentAllocationMode: String, Sendable, Hashable, CaseIterable {
    case fixed
    case thompson
    case ucb1
    case epsilonGreedy = "epsilon_greedy"
}

/// Everything that decides who sees what in an experiment and how it is judged. The first variant
/// is the control.
package struct ExperimentDefinition: Sendable, Hashable {
    package var key: ExperimentKey
    package var name: String
    package var variants: [ExperimentVariant]
    /// Share of eligible units enrolled, in [0, 1].
    package var coverage: Double
    /// Hash seed; the key unless set. Changing it reshuffles every unit, so it is fixed at creation.
    package var seed: String
    package var layer: ExperimentLayer?
    /// A rule over the user's declared attributes (`user.country == "DE"`); units it rejects are
    /// not enrolled.
    package var targeting: String?
    /// Only members of this segment are enrolled (checked when a unit is first assigned).
    package var segment: SegmentID?
    /// Bandits only: one split per segment in this list (a unit's context is the first listed
    /// segment it belongs to, else the rest), so that what works for one audience is learnt apart.
    package var banditContexts: [SegmentID] = []
    /// Bandits with contexts: the current split per context key (a segment id, or "*").
    package var banditContextWeights: [String: [Double]] = [:]
    package var status: ExperimentStatus
    package var metrics: [ExperimentMetric]
    /// Metrics that must not get worse; a significant drop stops the experiment.
    package var guardrails: [ExperimentMetric]
    package var alpha: Double
    /// Relative minimum detectable effect on the first metric, for power and run time.
    package var minimumDetectableEffect: Double
    package var startedAt: Timestamp?
    package var stoppedAt: Timestamp?
    /// Why the experiment stopped, when it was stopped automatically.
    package var stopReason: String?
    package var allocation: ExperimentAllocationMode = .fixed
    /// Bandits only: the least share of new units each variant keeps.
    package var minimumShare: Double = 0.05
    /// Bandits only: the split new units get now, recomputed from outcomes on a schedule; `nil`
    /// until the first update (the configured weights apply).
    package var banditWeights: [Double]?
    package var banditUpdatedAt: Timestamp?

    package init(
        key: ExperimentKey, name: String, variants: [ExperimentVariant], coverage: Double = 1, seed: String? = nil,
        layer: ExperimentLayer? = nil, targeting: String? = nil, status: ExperimentStatus = .draft,
        metrics: [ExperimentMetric] = [], guardrails: [ExperimentMetric] = [], alpha: Double = 0.05,
        minimumDetectableEffect: Double = 0.05
    ) {
        self.key = key
        self.name = name
        self.variants = variants
        self.coverage = coverage
        self.seed = seed ?? key.rawValue
        self.layer = layer
        self.targeting = targeting
        self.status = status
        self.metrics = metrics
        self.guardrails = guardrails
        self.alpha = alpha
        self.minimumDetectableEffect = minimumDetectableEffect
    }

    package var weights: [Double] { variants.map(\.weight) }

    /// The split new units get: the bandit's current one, or the configured weights.
    package var currentWeights: [Double] {
        if allocation != .fixed, let banditWeights, banditWeights.count == variants.count { return banditWeights }
        return weights
    }

    /// The context key of a bandit unit: the first listed context segment it is a member of.
    package func banditContext(memberOf segments: Set<SegmentID>) -> String {
        banditContexts.first(where: segments.contains)?.rawValue ?? Self.otherContext
    }

    package static let otherContext = "*"

    /// The split new units of `context` get.
    package func currentWeights(context: String) -> [Double] {
        if let weights = banditContextWeights[context], weights.count == variants.count { return weights }
        return currentWeights
    }

    /// Every metric, judged ones first.
    package var allMetrics: [ExperimentMetric] { metrics + guardrails }
}
