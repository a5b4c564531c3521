import AttuneExperiments
import Testing

struct SpecialFunctionsTests {
    @Test func normalQuantileMatchesScipyCriticalValues() throws {
        for row in try StatsVectors.cases("sample_size_two_proportions") {
            expectClose(Normal.quantile(1 - 0.05 / 2), try number(row["z_alpha2"]), tolerance: 1e-13, "z_alpha2")
            expectClose(
                Normal.quantile(try number(row["power"])), try number(row["z_beta"]), tolerance: 1e-13, "z_beta")
        }
        expectClose(Normal.quantile(1e-10), -6.361340902404056, tolerance: 1e-13, "far tail")
    }

    @Test func normalQuantileInvertsTheCDFAcrossTheRange() {
        for p in [1e-300, 1e-50, 1e-12, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.97575, 0.999] {
            expectClose(Normal.cdf(Normal.quantile(p)), p, tolerance: 1e-13, "p=\(p)")
        }
        #expect(Normal.quantile(0.5) == 0)
        #expect(Normal.quantile(0) == -.infinity)
        #expect(Normal.quantile(1) == .infinity)
        #expect(Normal.quantile(1.5).isNaN)
    }

    @Test func normalTailKeepsRelativePrecision() {
        expectClose(Normal.cdf(-8), 6.22096057427174e-16, tolerance: 1e-12, "Phi(-8)")
        expectClose(Normal.survival(8), 6.22096057427174e-16, tolerance: 1e-12, "1-Phi(8)")
    }

    @Test func studentTMatchesScipy() {
        expectClose(StudentT.cdf(-3.2, degreesOfFreedom: 4.5), 0.013922339715871432, tolerance: 1e-12, "t cdf")
        expectClose(StudentT.quantile(0.975, degreesOfFreedom: 7.5), 2.333039626864974, tolerance: 1e-12, "t ppf")
        #expect(StudentT.cdf(0, degreesOfFreedom: 3) == 0.5)
    }

    @Test func chiSquareSurvivalIsAccurateInTheTail() {
        expectClose(ChiSquare.survival(50, degreesOfFreedom: 3), 7.989179244951495e-11, tolerance: 1e-11, "chi2 sf")
        expectClose(
            ChiSquare.cdf(2, degreesOfFreedom: 4) + ChiSquare.survival(2, degreesOfFreedom: 4), 1, tolerance: 1e-15,
            "P+Q")
    }

    @Test func betaQuantileMatchesScipy() {
        expectClose(BetaDistribution.quantile(0.3, alpha: 2.5, beta: 0.7), 0.7097758912148804, tolerance: 1e-12, "ppf")
        for (a, b) in [(0.5, 10.5), (3.0, 5.0), (1000.0, 20.0)] {
            for p in [1e-8, 0.025, 0.5, 0.975] {
                let x = BetaDistribution.quantile(p, alpha: a, beta: b)
                expectClose(BetaDistribution.cdf(x, alpha: a, beta: b), p, tolerance: 1e-11, "round trip a=\(a) b=\(b)")
            }
        }
    }

    @Test func incompleteBetaSatisfiesTheReflectionIdentity() {
        for (a, b, x) in [(2.0, 3.0, 0.4), (0.5, 0.5, 0.9), (50.0, 70.0, 0.45)] {
            let left = SpecialFunctions.regularizedIncompleteBeta(a, b, x)
            let right = 1 - SpecialFunctions.regularizedIncompleteBeta(b, a, 1 - x)
            expectClose(left, right, tolerance: 1e-13, "I_x(a,b) = 1 - I_{1-x}(b,a)")
        }
    }
}
