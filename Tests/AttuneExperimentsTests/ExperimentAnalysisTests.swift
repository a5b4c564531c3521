import AttuneExperiments
import Testing

struct ExperimentAnalysisTests {
    /// Bernoulli draws from a seeded generator, so each test sees the same data every run.
    static func conversions(_ n: Int, rate: Double, rng: inout SplitMix64) -> [Double] {
        (0..<n).map { _ in RandomVariates.openUnit(using: &rng) < rate ? 1 : 0 }
    }

    @Test func theRatioSummaryMatchesTheDeltaMethodByHand() throws {
        let clicks: [Double] = [1, 0, 3, 2, 0, 1]
        let views: [Double] = [4, 2, 5, 6, 1, 3]
        let summary = try #require(RatioSummary.summarize(numerators: clicks, denominators: views).value)
        // Σx/Σy = 7/21; by hand: x̄ = 7/6, ȳ = 21/6, s²ₓ = 1.3667, s²ᵧ = 3.5, sₓᵧ = 1.9
        let mx = 7.0 / 6, my = 21.0 / 6
        let sxx = 41.0 / 30, syy = 3.5, sxy = 1.9
        let expected = sxx / (my * my) - 2 * mx * sxy / (my * my * my) + mx * mx * syy / (my * my * my * my)
        #expect(abs(summary.mean - 1.0 / 3) < 1e-12)
        #expect(abs(summary.varianceOfMean - expected / 6) < 1e-12)
        #expect(RatioSummary.summarize(numerators: [1, 2], denominators: [0, 0]).notEnoughDataReason == .zeroBaseline)
        #expect(RatioSummary.summarize(numerators: [], denominators: []).notEnoughDataReason == .noTraffic)
    }

    @Test func aPlantedEffectIsFoundAndTheControlIsNotBeaten() throws {
        var rng = SplitMix64(seed: 7)
        let control = Self.conversions(20_000, rate: 0.10, rng: &rng)
        let treatment = Self.conversions(20_000, rate: 0.12, rng: &rng)
        let report = try ExperimentAnalysis.analyze(
            [MetricObservations(name: "conversion", kind: .binary, values: [control, treatment])],
            settings: AnalysisSettings(weights: [0.5, 0.5], minimumDetectableEffect: 0.1))
        let arm = report.metrics[0].arms[1]
        #expect(try #require(arm.pValue) < 1e-6)
        #expect(try #require(arm.sequential).rejectsNull)
        #expect(try #require(arm.probabilityToBeatControl) > 0.999)
        let lift = try #require(arm.relativeLift)
        #expect(lift.interval.contains(0.2))
        #expect(report.sampleRatioMismatch?.isMismatch == false)
        let power = try #require(report.power)
        #expect(power.currentPower > 0.8, "20,000 per arm is more than the ~14,750 needed for +10% on 10%")
    }

    @Test func aSkewedSplitIsFlaggedAsASampleRatioMismatch() throws {
        let report = try ExperimentAnalysis.analyze(
            [MetricObservations(name: "c", kind: .binary, values: [Array(repeating: 0, count: 5_000) + [1], Array(repeating: 0, count: 5_400) + [1]])],
            settings: AnalysisSettings(weights: [0.5, 0.5]))
        #expect(report.sampleRatioMismatch?.isMismatch == true)
    }

    @Test func cupedUsesThePrePeriodToNarrowTheTest() throws {
        var rng = SplitMix64(seed: 11)
        var values: [[Double]] = [[], []]
        var covariates: [[Double]] = [[], []]
        for arm in 0..<2 {
            for _ in 0..<2_000 {
                let habit = RandomVariates.standardNormal(using: &rng) * 3 + 10
                covariates[arm].append(habit)
                values[arm].append(habit + RandomVariates.standardNormal(using: &rng) + (arm == 1 ? 0.2 : 0))
            }
        }
        let plain = try ExperimentAnalysis.analyze(
            [MetricObservations(name: "spend", kind: .mean, values: values)], settings: AnalysisSettings(weights: [0.5, 0.5]))
        let adjusted = try ExperimentAnalysis.analyze(
            [MetricObservations(name: "spend", kind: .mean, values: values, covariates: covariates)],
            settings: AnalysisSettings(weights: [0.5, 0.5]))
        let reduction = try #require(adjusted.metrics[0].arms[1].cupedVarianceReduction)
        #expect(reduction > 0.8, "the covariate explains ~90% of the variance")
        #expect(abs(try #require(adjusted.metrics[0].arms[1].preExperimentBalance)) < 0.1, "randomised arms are balanced")
        #expect(try #require(adjusted.metrics[0].arms[1].pValue) < 0.001)
        #expect(try #require(plain.metrics[0].arms[1].pValue) > adjusted.metrics[0].arms[1].pValue!)
    }

    @Test func aGuardrailBreachIsDirectionAware() throws {
        var rng = SplitMix64(seed: 3)
        let control = Self.conversions(10_000, rate: 0.05, rng: &rng)
        let worse = Self.conversions(10_000, rate: 0.02, rng: &rng)
        for (higherIsBetter, breached) in [(true, true), (false, false)] {
            let report = try ExperimentAnalysis.analyze(
                [MetricObservations(name: "g", kind: .binary, higherIsBetter: higherIsBetter, isGuardrail: true, values: [control, worse])],
                settings: AnalysisSettings(weights: [0.5, 0.5]))
            #expect(report.metrics[0].arms[1].guardrailBreached == breached)
            #expect(report.breachedArms == (breached ? [1] : []))
        }
    }

    @Test func emptyConstantAndSingleArmDataGiveReasonsNotNaN() throws {
        let cases: [[[Double]]] = [
            [[], []],
            [[0, 0, 0], [0, 0, 0, 0]],
            [[1, 1, 1], [1, 1]],
            [[1, 0, 1], []],
            [[1]],
        ]
        for values in cases {
            for kind in [MetricObservations.Kind.binary, .mean, .ratio] {
                let denominators = kind == .ratio ? values.map { $0.map { _ in 1.0 } } : nil
                let report = try ExperimentAnalysis.analyze(
                    [MetricObservations(name: "m", kind: kind, values: values, denominators: denominators)],
                    settings: AnalysisSettings(weights: values.map { _ in 1 / Double(values.count) }))
                for arm in report.metrics[0].arms.dropFirst() {
                    #expect(arm.pValue == nil || arm.pValue!.isFinite)
                    if arm.pValue == nil { #expect(arm.notEnoughData != nil, "\(kind) \(values)") }
                }
                for arm in report.metrics[0].arms {
                    #expect(arm.estimate == nil || arm.estimate!.isFinite)
                }
                #expect(report.power != nil || report.powerNotAvailable != nil)
            }
        }
    }

    @Test func holmAndFDRCoverEveryComparison() throws {
        var rng = SplitMix64(seed: 5)
        let arms = (0..<4).map { i in Self.conversions(3_000, rate: 0.1 + 0.01 * Double(i), rng: &rng) }
        let report = try ExperimentAnalysis.analyze(
            [MetricObservations(name: "a", kind: .binary, values: arms), MetricObservations(name: "b", kind: .mean, values: arms)],
            settings: AnalysisSettings(weights: [0.25, 0.25, 0.25, 0.25]))
        for metric in report.metrics {
            for arm in metric.arms.dropFirst() {
                let p = try #require(arm.pValue)
                #expect(try #require(arm.holmPValue) >= p)
                #expect(try #require(arm.fdrPValue) >= p)
                #expect(arm.holmPValue! >= arm.fdrPValue!)
            }
        }
    }

    @Test func mismatchedShapesAreRejected() {
        #expect(throws: ExperimentError.self) {
            try ExperimentAnalysis.analyze(
                [MetricObservations(name: "m", kind: .binary, values: [[1], [0]])], settings: AnalysisSettings(weights: [1]))
        }
        #expect(throws: ExperimentError.self) {
            try ExperimentAnalysis.analyze(
                [MetricObservations(name: "m", kind: .mean, values: [[1], [0]], covariates: [[1], []])],
                settings: AnalysisSettings(weights: [0.5, 0.5]))
        }
    }

    /// 1,000 A/A experiments through the full read-out, each looked at ten times: the always-valid
    /// p-value must keep the false alarms at or under alpha, however often it is read.
    @Test func lookingAtTheAlwaysValidResultOftenDoesNotInflateFalseAlarms() throws {
        var rng = SplitMix64(seed: 2026)
        var alarms = 0
        let experiments = 1_000
        for _ in 0..<experiments {
            let a = Self.conversions(2_000, rate: 0.1, rng: &rng)
            let b = Self.conversions(2_000, rate: 0.1, rng: &rng)
            var alarmed = false
            for look in 1...10 where !alarmed {
                let n = look * 200
                let report = try ExperimentAnalysis.analyze(
                    [MetricObservations(name: "c", kind: .binary, values: [Array(a.prefix(n)), Array(b.prefix(n))])],
                    settings: AnalysisSettings(weights: [0.5, 0.5], sequentialTuning: 4_000))
                if report.metrics[0].arms[1].sequential?.rejectsNull == true { alarmed = true }
            }
            if alarmed { alarms += 1 }
        }
        #expect(Double(alarms) / Double(experiments) <= 0.07, "\(alarms) false alarms in \(experiments)")
    }
}
