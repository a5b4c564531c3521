/// A whole experiment read-out from per-unit observations: per arm and metric an estimate with its
/// interval, against control the fixed-horizon test, the relative lift, the always-valid sequential
/// result, the Bayesian probability to beat control, multiple-testing corrections across every
/// comparison, a sample-ratio-mismatch check and power. Every number is finite or absent.
package enum ExperimentAnalysis {
    /// - Throws: `ExperimentError` for settings outside their domain or arrays of the wrong shape.
    package static func analyze(
        _ metrics: [MetricObservations], settings: AnalysisSettings
    ) throws(ExperimentError) -> ExperimentReport {
        try Validate.level(settings.alpha, "alpha")
        let armCount = settings.weights.count
        guard armCount >= 1 else { throw .invalidArgument("must hold at least one arm", field: "weights") }
        for metric in metrics {
            guard metric.values.count == armCount else {
                throw .dimensionMismatch("one array of values per arm", field: metric.name)
            }
            if let d = metric.denominators, d.count != armCount || zip(d, metric.values).contains(where: { $0.count != $1.count }) {
                throw .dimensionMismatch("one denominator per value", field: metric.name)
            }
            if let c = metric.covariates, c.count != armCount || zip(c, metric.values).contains(where: { $0.count != $1.count }) {
                throw .dimensionMismatch("one covariate per value", field: metric.name)
            }
        }
        let units = metrics.first?.values.map(\.count) ?? Array(repeating: 0, count: armCount)
        let sequential = try MixtureSPRT(alpha: settings.alpha, tuningSampleSize: settings.sequentialTuning)
        var results = try metrics.map { metric throws(ExperimentError) in
            try analyze(metric, alpha: settings.alpha, sequential: sequential)
        }
        try correct(&results)
        var report = ExperimentReport(unitsPerArm: units, metrics: results)
        if settings.checksSampleRatio, armCount >= 2, settings.weights.allSatisfy({ $0 > 0 }) {
            report.sampleRatioMismatch = try SampleRatioMismatch.check(counts: units, expectedRatios: settings.weights).value
        }
        if let first = metrics.first, let control = results.first?.arms.first {
            switch plan(first, control: control, units: units, settings: settings) {
            case .computed(let power): report.power = power
            case .notEnoughData(let reason): report.powerNotAvailable = reason.description
            }
        }
        return report
    }

    /// Per-arm summaries on the scale the tests use (CUPED-adjusted when possible).
    private struct Summaries {
        var raw: [SampleSummary?]
        var tested: [SampleSummary?]
        var varianceReduction: Double?
        var reason: NotEnoughData?
    }

    private static func summaries(_ metric: MetricObservations) throws(ExperimentError) -> Summaries {
        switch metric.kind {
        case .ratio:
            let outcomes = zip(metric.values, metric.denominators ?? metric.values.map { $0.map { _ in 1 } }).map {
                RatioSummary.summarize(numerators: $0, denominators: $1)
            }
            let values = outcomes.map(\.value)
            return Summaries(raw: values, tested: values, reason: outcomes.lazy.compactMap(\.notEnoughDataReason).first)
        case .binary, .mean:
            let raw = metric.values.map { values -> SampleSummary? in
                values.isEmpty ? nil : SampleSummary(values)
            }
            if let covariates = metric.covariates, covariates.contains(where: { $0.contains { $0 != 0 } }),
                case .computed(let cuped) = try CUPED.adjust(arms: zip(metric.values, covariates).map { CUPEDArm(outcomes: $0, covariates: $1) }),
                cuped.theta != 0
            {
                return Summaries(raw: raw, tested: cuped.adjusted, varianceReduction: cuped.varianceReduction)
            }
            return Summaries(raw: raw, tested: raw, reason: raw.contains { $0 == nil } ? .noTraffic : nil)
        }
    }

    private static func analyze(
        _ metric: MetricObservations, alpha: Double, sequential: MixtureSPRT
    ) throws(ExperimentError) -> MetricResult {
        let s = try summaries(metric)
        var arms: [ArmResult] = []
        for (i, values) in metric.values.enumerated() {
            var arm = ArmResult(units: values.count)
            if let raw = s.raw[i], raw.count > 0, raw.mean.isFinite {
                arm.estimate = raw.mean
                arm.interval = try interval(metric, raw: raw, values: values, alpha: alpha)
            }
            if i > 0 {
                try compare(metric, control: 0, arm: i, summaries: s, alpha: alpha, sequential: sequential, into: &arm)
                if let covariates = metric.covariates, covariates.contains(where: { $0.contains { $0 != 0 } }) {
                    arm.preExperimentBalance = balance(covariates[0], covariates[i])
                }
            }
            arms.append(arm)
        }
        return MetricResult(name: metric.name, kind: metric.kind, isGuardrail: metric.isGuardrail, arms: arms)
    }

    private static func interval(
        _ metric: MetricObservations, raw: SampleSummary, values: [Double], alpha: Double
    ) throws(ExperimentError) -> ConfidenceInterval? {
        switch metric.kind {
        case .binary:
            let successes = values.reduce(0) { $0 + ($1 > 0.5 ? 1 : 0) }
            return try ProportionInterval.compute(.wilson, successes: successes, trials: values.count, alpha: alpha).value
        case .mean, .ratio:
            guard raw.count >= 2, raw.varianceOfMean.isFinite else { return nil }
            let q = metric.kind == .mean
                ? StudentT.quantile(1 - alpha / 2, degreesOfFreedom: Double(raw.count - 1))
                : Normal.quantile(1 - alpha / 2)
            let half = q * raw.varianceOfMean.squareRoot()
            return ConfidenceInterval(lower: raw.mean - half, upper: raw.mean + half)
        }
    }

    private static func compare(
        _ metric: MetricObservations, control c: Int, arm t: Int, summaries s: Summaries, alpha: Double,
        sequential: MixtureSPRT, into arm: inout ArmResult
    ) throws(ExperimentError) {
        guard let control = s.tested[c], let treatment = s.tested[t], control.count > 0, treatment.count > 0 else {
            arm.notEnoughData = (s.reason ?? .noTraffic).description
            return
        }
        let difference = treatment.mean - control.mean
        let variance = treatment.varianceOfMean + control.varianceOfMean
        guard difference.isFinite, variance.isFinite else {
            arm.notEnoughData = NotEnoughData.missingData.description
            return
        }
        arm.difference = difference
        arm.cupedVarianceReduction = s.varianceReduction
        let better = metric.higherIsBetter
        // The test: exact counts for an unadjusted rate, Welch for adjusted values and means, z for ratios.
        switch (metric.kind, s.varianceReduction) {
        case (.binary, nil):
            let xc = Int((control.mean * Double(control.count)).rounded())
            let xt = Int((treatment.mean * Double(treatment.count)).rounded())
            switch try TwoProportionZTest.unpooled(successes1: xt, trials1: treatment.count, successes2: xc, trials2: control.count) {
            case .computed(let z): arm.pValue = z.pValue()
            case .notEnoughData(let reason): arm.notEnoughData = reason.description
            }
            if case .computed(let bayes) = try BetaBinomial.compare(successesA: xc, trialsA: control.count, successesB: xt, trialsB: treatment.count) {
                arm.probabilityToBeatControl = better ? bayes.probabilityBBeatsA : 1 - bayes.probabilityBBeatsA
                arm.expectedLoss = better ? bayes.expectedLossChoosingB : bayes.expectedLossChoosingA
            }
        case (.ratio, _):
            if variance > 0 {
                arm.pValue = min(1, 2 * Normal.survival(abs(difference) / variance.squareRoot()))
            } else {
                arm.notEnoughData = NotEnoughData.noVariance.description
            }
            bayesian(control, treatment, better: better, into: &arm)
        default:
            switch WelchTTest.test(treatment, control) {
            case .computed(let t): arm.pValue = t.pValue()
            case .notEnoughData(let reason): arm.notEnoughData = reason.description
            }
            bayesian(control, treatment, better: better, into: &arm)
        }
        let rawControl = s.raw[c] ?? control
        let rawTreatment = s.raw[t] ?? treatment
        // The lift is reported on the raw means; its variance is the tested (possibly reduced) one.
        let liftControl = SampleSummary(count: rawControl.count, mean: rawControl.mean, variance: control.variance)
        let liftTreatment = SampleSummary(count: rawTreatment.count, mean: rawTreatment.mean, variance: treatment.variance)
        arm.relativeLift = try RelativeLift.deltaMethod(control: liftControl, treatment: liftTreatment, alpha: alpha).value
        if case .computed(let seq) = sequential.evaluate(
            difference: difference, varianceOfDifference: variance, sampleSize: control.count + treatment.count)
        {
            arm.sequential = seq
            let harmful = better ? difference < 0 : difference > 0
            arm.guardrailBreached = metric.isGuardrail && seq.rejectsNull && harmful
        }
    }

    private static func balance(_ control: [Double], _ treatment: [Double]) -> Double? {
        let c = SampleSummary(control)
        let t = SampleSummary(treatment)
        let pooled = ((c.variance + t.variance) / 2).squareRoot()
        guard c.count >= 2, t.count >= 2, pooled > 0, pooled.isFinite else { return nil }
        return (t.mean - c.mean) / pooled
    }

    private static func bayesian(_ control: SampleSummary, _ treatment: SampleSummary, better: Bool, into arm: inout ArmResult) {
        guard case .computed(let bayes) = NormalMeans.compare(control, treatment) else { return }
        arm.probabilityToBeatControl = better ? bayes.probabilityBBeatsA : 1 - bayes.probabilityBBeatsA
        arm.expectedLoss = better ? bayes.expectedLossChoosingB : bayes.expectedLossChoosingA
    }

    /// Holm and Benjamini–Hochberg over every (metric, treatment arm) p-value of the analysis.
    private static func correct(_ results: inout [MetricResult]) throws(ExperimentError) {
        var positions: [(Int, Int)] = []
        var pValues: [Double] = []
        for (m, metric) in results.enumerated() {
            for (a, arm) in metric.arms.enumerated() {
                if let p = arm.pValue {
                    positions.append((m, a))
                    pValues.append(p)
                }
            }
        }
        guard !pValues.isEmpty else { return }
        let holm = try MultipleTesting.holm(pValues)
        let fdr = try MultipleTesting.benjaminiHochberg(pValues)
        for (k, (m, a)) in positions.enumerated() {
            results[m].arms[a].holmPValue = holm[k]
            results[m].arms[a].fdrPValue = fdr[k]
        }
    }

    /// Units per arm needed to see the minimum detectable effect on the first metric, the power
    /// reached so far, and the run time in whole weeks at the observed enrolment rate.
    private static func plan(
        _ metric: MetricObservations, control: ArmResult, units: [Int], settings: AnalysisSettings
    ) -> AnalysisOutcome<PowerReport> {
        guard units.count >= 2 else { return .notEnoughData(.singleVariant) }
        guard let baseline = control.estimate, control.units >= 2 else { return .notEnoughData(.noTraffic) }
        guard baseline != 0 else { return .notEnoughData(.zeroBaseline) }
        let mde = settings.minimumDetectableEffect
        let za = Normal.quantile(1 - settings.alpha / 2)
        let zb = Normal.quantile(settings.power)
        let smallest = Double(units.min() ?? 0)
        let required: Double
        let power: Double
        if metric.kind == .binary {
            let target = baseline * (1 + mde)
            guard baseline > 0, baseline < 1, target > 0, target < 1,
                let n = try? PowerAnalysis.sampleSizePerArm(baseline: baseline, relativeEffect: mde, alpha: settings.alpha, power: settings.power)
            else { return .notEnoughData(.noVariance) }
            required = n
            power = PowerAnalysis.power(cohensH: PowerAnalysis.cohensH(baseline, target), perArm: smallest, alpha: settings.alpha)
        } else {
            // Two-sample normal approximation with the control's per-unit variance.
            let values = metric.values[0]
            let perUnit: Double
            if metric.kind == .ratio, let d = metric.denominators?[0],
                let summary = RatioSummary.summarize(numerators: values, denominators: d).value
            {
                perUnit = summary.variance
            } else {
                perUnit = SampleSummary(values).variance
            }
            let effect = abs(mde * baseline)
            guard perUnit > 0, effect > 0 else { return .notEnoughData(.noVariance) }
            required = 2 * (za + zb) * (za + zb) * perUnit / (effect * effect)
            let d = effect / (2 * perUnit / max(smallest, 1)).squareRoot()
            power = Normal.survival(za - d) + Normal.cdf(-za - d)
        }
        guard required.isFinite, required < 1e12 else { return .notEnoughData(.noVariance) }
        var report = PowerReport(requiredUnitsPerArm: Int(required.rounded(.up)), currentPower: min(1, max(0, power)))
        if let daily = settings.dailyUnits, daily > 0 {
            let total = Double(units.reduce(0, +))
            let needed = max(0, required.rounded(.up) * Double(units.count) - total)
            report.remainingDays = Int((needed / daily).rounded(.up))
            if case .computed(let runtime)? = try? RuntimeEstimate.estimate(
                sampleSizePerArm: required, arms: units.count, dailyTraffic: daily)
            {
                report.recommendedWeeks = runtime.weeks
            }
        }
        return .computed(report)
    }
}
