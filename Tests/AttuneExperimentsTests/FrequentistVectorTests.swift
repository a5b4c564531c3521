import AttuneExperiments
import Testing

/// Every frequentist case of stats_vectors.json, to relative error 1e-6.
struct FrequentistVectorTests {
    @Test func welchTTestMatchesScipy() throws {
        var worst = 0.0
        for row in try StatsVectors.cases("welch_t_test") {
            let a = try numbers(row["a"])
            let b = try numbers(row["b"])
            let result = try #require(WelchTTest.test(a, b).value)
            let summaryA = SampleSummary(a)
            let summaryB = SampleSummary(b)
            worst = max(worst, expectClose(summaryA.mean, try number(row["mean_a"]), "mean_a"))
            worst = max(worst, expectClose(summaryB.mean, try number(row["mean_b"]), "mean_b"))
            worst = max(worst, expectClose(summaryA.variance, try number(row["var_a_ddof1"]), "var_a"))
            worst = max(worst, expectClose(summaryB.variance, try number(row["var_b_ddof1"]), "var_b"))
            worst = max(worst, expectClose(result.t, try number(row["t"]), "t"))
            worst = max(worst, expectClose(result.degreesOfFreedom, try number(row["df"]), "df"))
            worst = max(
                worst,
                expectClose(result.degreesOfFreedom, try number(row["df_welch_satterthwaite_formula"]), "df formula"))
            worst = max(worst, expectClose(result.pValue(), try number(row["p_two_sided"]), "p"))
            worst = max(worst, expectClose(result.pValue(.less), try number(row["p_less"]), "p_less"))
            worst = max(worst, expectClose(result.pValue(.greater), try number(row["p_greater"]), "p_greater"))
        }
        print("welch_t_test max relative error \(worst)")
    }

    @Test func chiSquareContingencyMatchesScipyWithAndWithoutYates() throws {
        var worst = 0.0
        for row in try StatsVectors.cases("chi_square_contingency") {
            let table = try #require(row["table"] as? [[Any]]).map { try $0.map { try int($0) } }
            for (key, yates) in [("no_correction", false), ("yates", true)] {
                let expected = try #require(row[key] as? [String: Any])
                let result = try #require(try ChiSquareContingencyTest.test(table: table, yatesCorrection: yates).value)
                worst = max(worst, expectClose(result.statistic, try number(expected["chi2"]), "\(key) chi2"))
                worst = max(worst, expectClose(result.pValue, try number(expected["p"]), "\(key) p"))
                #expect(result.degreesOfFreedom == (try int(expected["dof"])))
                let expectedCounts = try #require(expected["expected"] as? [[Any]])
                for (i, r) in expectedCounts.enumerated() {
                    for (j, e) in r.enumerated() {
                        worst = max(worst, expectClose(result.expected[i][j], try number(e), "expected count"))
                    }
                }
            }
        }
        print("chi_square_contingency max relative error \(worst)")
    }

    @Test func twoProportionZTestsMatchStatsmodels() throws {
        var worst = 0.0
        for row in try StatsVectors.cases("two_proportion_z_test") {
            let x1 = try int(row["x1"])
            let n1 = try int(row["n1"])
            let x2 = try int(row["x2"])
            let n2 = try int(row["n2"])
            let pooled = try #require(row["pooled"] as? [String: Any])
            let wald = try #require(row["unpooled_wald"] as? [String: Any])
            let p = try #require(
                try TwoProportionZTest.pooled(successes1: x1, trials1: n1, successes2: x2, trials2: n2).value)
            let u = try #require(
                try TwoProportionZTest.unpooled(successes1: x1, trials1: n1, successes2: x2, trials2: n2).value)
            worst = max(worst, expectClose(p.z, try number(pooled["z"]), "pooled z"))
            worst = max(worst, expectClose(p.z, try number(pooled["z_formula"]), "pooled z formula"))
            worst = max(worst, expectClose(p.pValue(), try number(pooled["p_two_sided"]), "pooled p"))
            worst = max(worst, expectClose(u.z, try number(wald["z"]), "wald z"))
            worst = max(worst, expectClose(u.pValue(), try number(wald["p_two_sided"]), "wald p"))
        }
        print("two_proportion_z_test max relative error \(worst)")
    }

    @Test func sampleSizesMatchStatsmodelsAndClosedForms() throws {
        var worst = 0.0
        for row in try StatsVectors.cases("sample_size_two_proportions") {
            let p1 = try number(row["p1"])
            let mde = try number(row["relative_mde"])
            let power = try number(row["power"])
            func n(_ method: PowerAnalysis.Method) throws -> Double {
                try PowerAnalysis.sampleSizePerArm(
                    baseline: p1, relativeEffect: mde, alpha: 0.05, power: power, method: method)
            }
            worst = max(worst, expectClose(PowerAnalysis.cohensH(p1, p1 * (1 + mde)), try number(row["cohens_h"]), "h"))
            worst = max(
                worst,
                expectClose(
                    try n(.cohensHExact), try number(row["statsmodels_NormalIndPower_n_per_arm"]), "statsmodels n"))
            worst = max(
                worst, expectClose(try n(.cohensH), try number(row["cohens_h_closed_form_n"]), "closed-form h n"))
            worst = max(
                worst, expectClose(try n(.pooledNormal), try number(row["normal_approx_pooled_null_n"]), "pooled n"))
            worst = max(
                worst, expectClose(try n(.unpooledNormal), try number(row["normal_approx_unpooled_n"]), "unpooled n"))
            #expect(Int(try n(.cohensHExact).rounded(.up)) == (try int(row["statsmodels_n_per_arm_ceil"])))
            #expect(Int(try n(.pooledNormal).rounded(.up)) == (try int(row["normal_approx_pooled_null_n_ceil"])))
            #expect(Int(try n(.unpooledNormal).rounded(.up)) == (try int(row["normal_approx_unpooled_n_ceil"])))
        }
        print("sample_size_two_proportions max relative error \(worst)")
    }

    @Test func sampleRatioMismatchMatchesScipyChiSquare() throws {
        var worst = 0.0
        for row in try StatsVectors.cases("srm_chi_square_goodness_of_fit") {
            let counts = try numbers(row["counts"]).map { Int($0) }
            let ratios = try numbers(row["expected_ratio"])
            let result = try #require(try SampleRatioMismatch.check(counts: counts, expectedRatios: ratios).value)
            worst = max(worst, expectClose(result.chiSquare, try number(row["chi2"]), "chi2"))
            worst = max(worst, expectClose(result.pValue, try number(row["p"]), "p"))
            for (a, e) in zip(result.expectedCounts, try numbers(row["expected_counts"])) {
                worst = max(worst, expectClose(a, e, "expected"))
            }
            #expect(result.degreesOfFreedom == (try int(row["dof"])))
            #expect(result.isMismatch == (result.pValue < 0.001))
        }
        print("srm_chi_square_goodness_of_fit max relative error \(worst)")
    }

    @Test(arguments: [
        ("normal", ProportionInterval.Method.normal), ("wilson", .wilson), ("agresti_coull", .agrestiCoull),
        ("beta", .clopperPearson), ("jeffreys", .jeffreys),
    ])
    func proportionIntervalsMatchStatsmodels(key: String, method: ProportionInterval.Method) throws {
        var worst = 0.0
        for row in try StatsVectors.cases("proportion_confidence_intervals") {
            let x = try int(row["x"])
            let n = try int(row["n"])
            let expected = try numbers(row[key])
            let interval = try #require(
                try ProportionInterval.compute(method, successes: x, trials: n, alpha: 0.05).value)
            worst = max(worst, expectClose(interval.lower, expected[0], "\(key) lower x=\(x) n=\(n)"))
            worst = max(worst, expectClose(interval.upper, expected[1], "\(key) upper x=\(x) n=\(n)"))
            if method == .wilson {
                let formula = try numbers(row["wilson_formula"])
                worst = max(worst, expectClose(interval.lower, formula[0], "wilson formula lower"))
                worst = max(worst, expectClose(interval.upper, formula[1], "wilson formula upper"))
            }
        }
        print("proportion_confidence_intervals[\(key)] max relative error \(worst)")
    }
}
