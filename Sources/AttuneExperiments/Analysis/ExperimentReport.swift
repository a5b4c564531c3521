/// One arm of one metric: its estimate, and against control its tests.
package struct ArmResult: Sendable, Hashable {
    package var units: Int
    /// Rate, mean or ratio; `nil` without data.
    package var estimate: Double?
    package var interval: ConfidenceInterval?
    /// Everything below is `nil` for the control arm.
    package var difference: Double?
    package var relativeLift: RelativeLiftResult?
    /// Fixed-horizon two-sided p-value (z-test for rates and ratios, Welch otherwise; on CUPED-adjusted
    /// values when a covariate was given).
    package var pValue: Double?
    /// Holm-adjusted across every comparison of the analysis.
    package var holmPValue: Double?
    /// Benjamini–Hochberg-adjusted across every comparison of the analysis.
    package var fdrPValue: Double?
    /// Always-valid result (mixture SPRT): safe to read at any time, however often.
    package var sequential: SequentialResult?
    /// Posterior probability that this arm is better than control (direction-aware).
    package var probabilityToBeatControl: Double?
    /// Expected loss of choosing this arm over control, in the metric's units.
    package var expectedLoss: Double?
    package var cupedVarianceReduction: Double?
    /// Standardised difference of the pre-experiment covariate against control,
    /// (x̄ₜ − x̄꜀)/√((s²ₜ + s²꜀)/2): randomisation should keep it near 0, and |d| > 0.1 is the usual
    /// sign of an imbalance worth investigating before trusting the result.
    package var preExperimentBalance: Double?
    /// Why a comparison could not be made, in a stable word (`noTraffic`, `noVariance`, ...).
    package var notEnoughData: String?
    /// A guardrail metric that is significantly worse (by the always-valid test).
    package var guardrailBreached = false

    package init(units: Int) { self.units = units }
}

package struct MetricResult: Sendable, Hashable {
    package var name: String
    package var kind: MetricObservations.Kind
    package var isGuardrail: Bool
    package var arms: [ArmResult]
}

/// Sample size and run time for the first metric at the configured minimum detectable effect.
package struct PowerReport: Sendable, Hashable {
    package var requiredUnitsPerArm: Int
    /// Power reached with the units enrolled so far.
    package var currentPower: Double
    /// Days more at the observed enrolment rate; `nil` without a rate.
    package var remainingDays: Int?
    /// Whole weeks the experiment should run in all, so each weekday counts equally.
    package var recommendedWeeks: Int?
}

package struct ExperimentReport: Sendable, Hashable {
    package var unitsPerArm: [Int]
    package var sampleRatioMismatch: SampleRatioMismatchResult?
    package var metrics: [MetricResult]
    package var power: PowerReport?
    /// The first metric's reason when power could not be planned.
    package var powerNotAvailable: String?

    /// Arms whose guardrails were breached.
    package var breachedArms: [Int] {
        var out = Set<Int>()
        for metric in metrics where metric.isGuardrail {
            for (i, arm) in metric.arms.enumerated() where arm.guardrailBreached { out.insert(i) }
        }
        return out.sorted()
    }
}
