import AttuneCore
import AttuneExperiments
import AttuneStore

/// Turns exposed units' event totals into the per-unit observations the analysis reads: one
/// number per unit and metric, after exposure, with the same number before exposure as CUPED's
/// covariate.
enum ExperimentObservations {
    /// Days before exposure whose events form the CUPED covariate.
    static let lookbackDays: Int64 = 14

    static func build(_ definition: ExperimentDefinition, outcomes: [UnitOutcome]) -> [MetricObservations] {
        let arms = definition.variants.count
        var byArm = Array(repeating: [UnitOutcome](), count: arms)
        for outcome in outcomes where outcome.variant >= 0 && outcome.variant < arms { byArm[outcome.variant].append(outcome) }
        return definition.metrics.map { observations($0, byArm, guardrail: false) }
            + definition.guardrails.map { observations($0, byArm, guardrail: true) }
    }

    private static func observations(_ metric: ExperimentMetric, _ byArm: [[UnitOutcome]], guardrail: Bool) -> MetricObservations {
        let higherIsBetter = metric.direction == .increase
        func value(_ totals: [EventType: UnitOutcome.Totals]) -> Double {
            let t = totals[metric.event]
            switch metric.kind {
            case .conversion: return (t?.count ?? 0) > 0 ? 1 : 0
            case .count, .ratio: return Double(t?.count ?? 0)
            case .sum: return t?.value ?? 0
            }
        }
        let values = byArm.map { $0.map { value($0.after) } }
        switch metric.kind {
        case .ratio:
            let denominator = metric.denominator ?? metric.event
            let denominators = byArm.map { $0.map { Double($0.after[denominator]?.count ?? 0) } }
            return MetricObservations(
                name: metric.name, kind: .ratio, higherIsBetter: higherIsBetter, isGuardrail: guardrail, values: values,
                denominators: denominators)
        case .conversion, .count, .sum:
            return MetricObservations(
                name: metric.name, kind: metric.kind == .conversion ? .binary : .mean, higherIsBetter: higherIsBetter,
                isGuardrail: guardrail, values: values, covariates: byArm.map { $0.map { value($0.before) } })
        }
    }
}
