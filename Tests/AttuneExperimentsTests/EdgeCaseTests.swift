import AttuneExperiments
import Testing

/// Zero traffic, a single variant, all-zero and all-one conversions and missing data give a clear
/// "not enough data" state and never NaN; invalid input throws.
struct EdgeCaseTests {
    @Test func zeroTrafficIsNotEnoughDataEverywhere() throws {
        #expect(
            try TwoProportionZTest.pooled(successes1: 0, trials1: 0, successes2: 0, trials2: 0).notEnoughDataReason
                == .noTraffic)
        #expect(
            try TwoProportionZTest.unpooled(successes1: 0, trials1: 0, successes2: 3, trials2: 10).notEnoughDataReason
                == .noTraffic)
        #expect(
            try ChiSquareContingencyTest.test(successes: [0, 0], trials: [0, 0]).notEnoughDataReason == .noTraffic)
        #expect(
            try SampleRatioMismatch.check(counts: [0, 0], expectedRatios: [0.5, 0.5]).notEnoughDataReason == .noTraffic)
        #expect(WelchTTest.test([], [1, 2]).notEnoughDataReason == .noTraffic)
        #expect(try ProportionInterval.compute(.wilson, successes: 0, trials: 0).notEnoughDataReason == .noTraffic)
        #expect(
            try BetaBinomial.compare(successesA: 0, trialsA: 0, successesB: 0, trialsB: 0).notEnoughDataReason
                == .noTraffic)
        #expect(NormalMeans.compare(SampleSummary([]), SampleSummary([1, 2])).notEnoughDataReason == .noTraffic)
        let test = try MixtureSPRT()
        #expect(
            try test.evaluate(controlSuccesses: 0, controlTrials: 0, treatmentSuccesses: 0, treatmentTrials: 0)
                .notEnoughDataReason == .noTraffic)
        #expect(
            try CUPED.adjust(arms: [CUPEDArm(outcomes: [], covariates: []), CUPEDArm(outcomes: [], covariates: [])])
                .notEnoughDataReason == .noTraffic)
    }

    @Test func aSingleVariantIsNotEnoughData() throws {
        #expect(try ChiSquareContingencyTest.test(successes: [5], trials: [10]).notEnoughDataReason == .singleVariant)
        #expect(try SampleRatioMismatch.check(counts: [100], expectedRatios: [1]).notEnoughDataReason == .singleVariant)
        #expect(
            try CUPED.adjust(arms: [CUPEDArm(outcomes: [1, 2], covariates: [1, 2])]).notEnoughDataReason
                == .singleVariant)
    }

    @Test(arguments: [0, 1])
    func allZeroOrAllOneConversionsHaveNoVariance(rate: Int) throws {
        let n = 500
        let x = rate * n
        #expect(
            try TwoProportionZTest.pooled(successes1: x, trials1: n, successes2: x, trials2: n).notEnoughDataReason
                == .noVariance)
        #expect(
            try TwoProportionZTest.unpooled(successes1: x, trials1: n, successes2: x, trials2: n).notEnoughDataReason
                == .noVariance)
        #expect(
            try ChiSquareContingencyTest.test(successes: [x, x], trials: [n, n]).notEnoughDataReason == .noVariance)
        let constant = [Double](repeating: Double(rate), count: n)
        #expect(WelchTTest.test(constant, constant).notEnoughDataReason == .noVariance)
        #expect(
            NormalMeans.compare(SampleSummary(constant), SampleSummary(constant)).notEnoughDataReason == .noVariance)
        #expect(
            try MixtureSPRT().evaluate(controlSuccesses: x, controlTrials: n, treatmentSuccesses: x, treatmentTrials: n)
                .notEnoughDataReason == .noVariance)
        // Intervals and Bayesian answers stay defined and finite at the boundary.
        for method in ProportionInterval.Method.allCases {
            let interval = try #require(try ProportionInterval.compute(method, successes: x, trials: n).value)
            #expect(interval.lower.isFinite && interval.upper.isFinite && interval.lower <= interval.upper)
        }
        let bayes = try #require(try BetaBinomial.compare(successesA: x, trialsA: n, successesB: x, trialsB: n).value)
        #expect(abs(bayes.probabilityBBeatsA - 0.5) < 1e-9)
        #expect(bayes.expectedLossChoosingB.isFinite)
    }

    @Test func missingDataIsReportedNotPropagated() throws {
        #expect(WelchTTest.test([1, .nan, 3], [1, 2, 3]).notEnoughDataReason == .missingData)
        #expect(
            NormalMeans.compare(SampleSummary([1, .infinity]), SampleSummary([1, 2])).notEnoughDataReason
                == .missingData)
        #expect(
            try CUPED.adjust(arms: [
                CUPEDArm(outcomes: [1, .nan], covariates: [1, 2]), CUPEDArm(outcomes: [1, 2], covariates: [1, 2]),
            ]).notEnoughDataReason == .missingData)
        #expect(
            try MixtureSPRT().evaluate(difference: .nan, varianceOfDifference: 1, sampleSize: 10).notEnoughDataReason
                == .missingData)
    }

    @Test func tooFewObservationsForAVariance() {
        #expect(WelchTTest.test([1], [1, 2, 3]).notEnoughDataReason == .tooFewObservations)
    }

    @Test func invalidCountsThrowWithACodeAndField() {
        do {
            _ = try TwoProportionZTest.pooled(successes1: 11, trials1: 10, successes2: 1, trials2: 10)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidCount)
            #expect(error.field == "successes1")
        }
        #expect(throws: ExperimentError.self) { try ChiSquareContingencyTest.test(table: [[1, 2], [3]]) }
        #expect(throws: ExperimentError.self) { try ChiSquareContingencyTest.test(table: [[1, -2], [3, 4]]) }
        #expect(throws: ExperimentError.self) {
            try SampleRatioMismatch.check(counts: [1, 2], expectedRatios: [1, 0])
        }
        #expect(throws: ExperimentError.self) {
            try ProportionInterval.compute(.wilson, successes: 1, trials: 2, alpha: 0)
        }
        #expect(throws: ExperimentError.self) { try MixtureSPRT(alpha: 1) }
        #expect(throws: ExperimentError.self) { try GroupSequentialDesign(looks: 0) }
    }
}
