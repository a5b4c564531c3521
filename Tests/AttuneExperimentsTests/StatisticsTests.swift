import AttuneExperiments
import Testing

struct StatisticsTests {
    @Test func holmMatchesStatsmodels() throws {
        let adjusted = try MultipleTesting.holm([0.01, 0.04, 0.03, 0.005, 0.2])
        for (a, e) in zip(adjusted, [0.04, 0.09, 0.09, 0.025, 0.2]) { expectClose(a, e, tolerance: 1e-12, "holm") }
    }

    @Test func benjaminiHochbergMatchesStatsmodels() throws {
        let adjusted = try MultipleTesting.benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.2])
        for (a, e) in zip(adjusted, [0.025, 0.05, 0.05, 0.025, 0.2]) { expectClose(a, e, tolerance: 1e-12, "bh") }
    }

    @Test func multipleTestingRejectsInvalidPValuesAndAcceptsEmpty() throws {
        #expect(try MultipleTesting.holm([]).isEmpty)
        #expect(throws: ExperimentError.self) { try MultipleTesting.holm([0.2, .nan]) }
        #expect(throws: ExperimentError.self) { try MultipleTesting.benjaminiHochberg([1.2]) }
    }

    @Test func relativeLiftUsesTheDeltaMethodVariance() throws {
        let control = SampleSummary(count: 1000, mean: 10, variance: 4)
        let treatment = SampleSummary(count: 1000, mean: 11, variance: 9)
        let result = try #require(try RelativeLift.deltaMethod(control: control, treatment: treatment).value)
        expectClose(result.lift, 0.1, tolerance: 1e-12, "lift")
        // Var = 0.009/100 + 121·0.004/10⁴.
        expectClose(result.standardError, (0.009 / 100 + 121 * 0.004 / 10_000).squareRoot(), tolerance: 1e-12, "se")
        #expect(result.interval.contains(0.1) && !result.interval.contains(0))
    }

    @Test func relativeLiftReportsAZeroBaseline() throws {
        let zero = SampleSummary(successes: 0, trials: 500)
        let some = SampleSummary(successes: 5, trials: 500)
        #expect(try RelativeLift.deltaMethod(control: zero, treatment: some).notEnoughDataReason == .zeroBaseline)
    }

    @Test func cupedRecoversThetaAndReducesVariance() throws {
        // y = 2x + noise with a planted treatment effect of 1; θ must be ≈ 2 and the effect preserved.
        var rng = SplitMix64(seed: 7)
        var arms = [CUPEDArm]()
        for effect in [0.0, 1.0] {
            var ys = [Double]()
            var xs = [Double]()
            for _ in 0..<5000 {
                let x = 10 + 3 * RandomVariates.standardNormal(using: &rng)
                xs.append(x)
                ys.append(2 * x + effect + RandomVariates.standardNormal(using: &rng))
            }
            arms.append(CUPEDArm(outcomes: ys, covariates: xs))
        }
        let result = try #require(try CUPED.adjust(arms: arms).value)
        #expect(abs(result.theta - 2) < 0.02)
        #expect(result.varianceReduction > 0.95)
        let adjustedDifference = result.adjusted[1].mean - result.adjusted[0].mean
        #expect(abs(adjustedDifference - 1) < 0.1)
        #expect(result.adjusted[0].variance < result.unadjusted[0].variance / 10)
    }

    @Test func cupedWithAConstantCovariateLeavesDataUnchanged() throws {
        let arm = CUPEDArm(outcomes: [1, 2, 3], covariates: [5, 5, 5])
        let result = try #require(try CUPED.adjust(arms: [arm, arm]).value)
        #expect(result.theta == 0)
        #expect(result.adjusted[0] == result.unadjusted[0])
        #expect(throws: ExperimentError.self) { try CUPED.adjust(arms: [CUPEDArm(outcomes: [1], covariates: [])]) }
    }

    @Test func groupSequentialBoundariesMatchPublishedLanDeMetsValues() throws {
        // O'Brien–Fleming-type spending, five equally spaced looks, two-sided α = 0.05
        // (Jennison & Turnbull 2000, table 7.6; gsDesign sfLDOF).
        let obf = try GroupSequentialDesign(looks: 5, alpha: 0.05, spending: .obrienFleming)
        for (c, e) in zip(obf.criticalValues, [4.877, 3.357, 2.680, 2.290, 2.031]) { #expect(abs(c - e) < 2e-3) }
        let pocock = try GroupSequentialDesign(looks: 5, alpha: 0.05, spending: .pocock)
        for (c, e) in zip(pocock.criticalValues, [2.438, 2.427, 2.410, 2.397, 2.386]) { #expect(abs(c - e) < 3e-3) }
        let single = try GroupSequentialDesign(looks: 1)
        expectClose(single.criticalValues[0], 1.959963984540054, tolerance: 1e-12, "one look is the fixed test")
    }

    @Test func mixtureSPRTIntervalExcludesZeroExactlyWhenItRejects() throws {
        let test = try MixtureSPRT(alpha: 0.05, tuningSampleSize: 5000)
        for (d, n) in [(0.01, 2000), (0.03, 4000), (0.05, 10_000), (-0.04, 6000)] {
            let v = 2 * 0.1 * 0.9 / Double(n / 2)
            let result = try #require(test.evaluate(difference: d, varianceOfDifference: v, sampleSize: n).value)
            #expect(result.rejectsNull == !result.interval.contains(0))
            #expect(result.rejectsNull == (result.pValue <= 0.05))
        }
    }

    @Test func runtimeIsRoundedUpToWholeWeeks() throws {
        let estimate = try #require(
            try RuntimeEstimate.estimate(sampleSizePerArm: 8157.7, arms: 2, dailyTraffic: 1000).value)
        #expect(estimate.days == 17)
        #expect(estimate.weeks == 3)
        #expect(
            try RuntimeEstimate.estimate(sampleSizePerArm: 100, arms: 2, dailyTraffic: 0).notEnoughDataReason
                == .noTraffic)
    }

    @Test func powerAtThePlannedSampleSizeIsThePlannedPower() throws {
        let n = try PowerAnalysis.sampleSizePerArm(
            baseline: 0.05, relativeEffect: 0.2, power: 0.9, method: .cohensHExact)
        expectClose(
            PowerAnalysis.power(cohensH: PowerAnalysis.cohensH(0.05, 0.06), perArm: n), 0.9, tolerance: 1e-12, "power")
        #expect(throws: ExperimentError.self) { try PowerAnalysis.sampleSizePerArm(baseline: 0.05, relativeEffect: 0) }
        #expect(throws: ExperimentError.self) { try PowerAnalysis.sampleSizePerArm(baseline: 0.6, relativeEffect: 1) }
    }

    @Test func welchIntervalUsesTheStudentQuantile() throws {
        let result = try #require(
            WelchTTest.test(
                SampleSummary(count: 10, mean: 1, variance: 1), SampleSummary(count: 10, mean: 0, variance: 1)
            ).value)
        let interval = result.confidenceInterval(alpha: 0.05)
        let q = StudentT.quantile(0.975, degreesOfFreedom: 18)
        expectClose(interval.upper - 1, q * (0.2).squareRoot(), tolerance: 1e-12, "half width")
        expectClose(q, 2.10092204024096, tolerance: 1e-9, "t(0.975, 18)")
    }
}
