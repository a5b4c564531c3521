/// One metric's per-unit observations, arm by arm (the first arm is the control).
package struct MetricObservations: Sendable {
    package enum Kind: String, Sendable, Hashable {
        /// 0/1 per unit.
        case binary
        /// A number per unit.
        case mean
        /// A numerator and a denominator per unit.
        case ratio
    }

    package var name: String
    package var kind: Kind
    /// Whether a larger value is an improvement.
    package var higherIsBetter: Bool
    /// Whether a significant change in the wrong direction should stop the experiment.
    package var isGuardrail: Bool
    /// Per arm, per unit: the value (the numerator for a ratio).
    package var values: [[Double]]
    /// Per arm, per unit, ratio metrics only.
    package var denominators: [[Double]]?
    /// Per arm, per unit: the same metric before exposure, for CUPED. Not used for ratios.
    package var covariates: [[Double]]?

    package init(
        name: String, kind: Kind, higherIsBetter: Bool = true, isGuardrail: Bool = false, values: [[Double]],
        denominators: [[Double]]? = nil, covariates: [[Double]]? = nil
    ) {
        self.name = name
        self.kind = kind
        self.higherIsBetter = higherIsBetter
        self.isGuardrail = isGuardrail
        self.values = values
        self.denominators = denominators
        self.covariates = covariates
    }
}

/// Settings shared by every metric of one analysis.
package struct AnalysisSettings: Sendable, Hashable {
    package var alpha: Double
    /// Configured traffic split, one weight per arm.
    package var weights: [Double]
    /// Relative minimum detectable effect on the first metric, for power.
    package var minimumDetectableEffect: Double
    package var power: Double
    /// Units enrolled per day so far, for the run-time estimate; `nil` when unknown.
    package var dailyUnits: Double?
    /// Total units at which the always-valid interval is tightest.
    package var sequentialTuning: Double
    /// Whether arm sizes should follow `weights`; off for bandits, whose split moves on purpose.
    package var checksSampleRatio = true

    package init(
        alpha: Double = 0.05, weights: [Double], minimumDetectableEffect: Double = 0.05, power: Double = 0.8,
        dailyUnits: Double? = nil, sequentialTuning: Double = 5_000
    ) {
        self.alpha = alpha
        self.weights = weights
        self.minimumDetectableEffect = minimumDetectableEffect
        self.power = power
        self.dailyUnits = dailyUnits
        self.sequentialTuning = sequentialTuning
    }
}
