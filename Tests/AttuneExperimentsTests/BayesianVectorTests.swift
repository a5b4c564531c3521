import AttuneExperiments
import Testing

struct BayesianVectorTests {
    @Test func probabilityBBeatsAMatchesTheFiftyDigitReference() throws {
        var worst = 0.0
        for row in try StatsVectors.cases("beta_bernoulli_prob_b_beats_a") {
            let posteriorA = try numbers(row["posterior_A"])
            let posteriorB = try numbers(row["posterior_B"])
            let p = BetaBinomial.probabilityBBeatsA(
                alphaA: posteriorA[0], betaA: posteriorA[1], alphaB: posteriorB[0], betaB: posteriorB[1])
            worst = max(worst, expectClose(p, try number(row["p_b_beats_a_reference_mpmath50"]), "mpmath"))
            worst = max(worst, expectClose(p, try number(row["p_b_beats_a_exact_sum_float64"]), "float64 sum"))
            worst = max(worst, expectClose(p, try number(row["p_b_beats_a_quad"]), "quad"))
            let viaCounts = try #require(
                try BetaBinomial.compare(
                    successesA: try int(row["xA"]), trialsA: try int(row["nA"]),
                    successesB: try int(row["xB"]), trialsB: try int(row["nB"])
                ).value)
            worst = max(
                worst,
                expectClose(viaCounts.probabilityBBeatsA, try number(row["p_b_beats_a_reference_mpmath50"]), "compare"))
        }
        print("beta_bernoulli_prob_b_beats_a max relative error \(worst)")
    }

    @Test func monteCarloWithOwnSamplerAgreesWithinSamplingError() throws {
        // numpy's Monte Carlo column cannot be reproduced bit for bit; our own sampler must agree with the
        // exact value within four standard errors instead.
        var rng = SplitMix64(seed: 12345)
        for row in try StatsVectors.cases("beta_bernoulli_prob_b_beats_a") {
            let a = try numbers(row["posterior_A"])
            let b = try numbers(row["posterior_B"])
            let exact = try number(row["p_b_beats_a_reference_mpmath50"])
            let draws = 20_000
            var wins = 0
            for _ in 0..<draws
            where RandomVariates.beta(b[0], b[1], using: &rng) > RandomVariates.beta(a[0], a[1], using: &rng) {
                wins += 1
            }
            let se = (exact * (1 - exact) / Double(draws)).squareRoot()
            #expect(abs(Double(wins) / Double(draws) - exact) < 4 * se)
        }
    }

    @Test func expectedLossAgreesWithMonteCarlo() throws {
        let result = try #require(
            try BetaBinomial.compare(successesA: 30, trialsA: 300, successesB: 28, trialsB: 300).value)
        var rng = SplitMix64(seed: 77)
        let draws = 100_000
        var lossB = 0.0
        var lossSquares = 0.0
        for _ in 0..<draws {
            let a = RandomVariates.beta(31, 271, using: &rng)
            let b = RandomVariates.beta(29, 273, using: &rng)
            let loss = max(a - b, 0)
            lossB += loss
            lossSquares += loss * loss
        }
        let mean = lossB / Double(draws)
        let se = ((lossSquares / Double(draws) - mean * mean) / Double(draws)).squareRoot()
        #expect(abs(result.expectedLossChoosingB - mean) < 4 * se)
    }

    @Test func quadratureHandlesNonIntegerPosteriors() {
        let integer = BetaBinomial.probabilityBBeatsA(alphaA: 121, betaA: 881, alphaB: 141, betaB: 861)
        let nudged = BetaBinomial.probabilityBBeatsA(alphaA: 121.5, betaA: 881, alphaB: 141.0000001, betaB: 861)
        let shiftedBack = BetaBinomial.probabilityBBeatsA(alphaA: 121.5, betaA: 881, alphaB: 141, betaB: 861)
        expectClose(nudged, shiftedBack, tolerance: 1e-6, "quadrature vs exact sum")
        #expect(integer > 0.9 && integer < 0.91)
    }

    @Test func expectedLossesAreConsistent() throws {
        let result = try #require(
            try BetaBinomial.compare(successesA: 120, trialsA: 1000, successesB: 140, trialsB: 1000).value)
        // E[max(B−A,0)] − E[max(A−B,0)] = E[B] − E[A].
        expectClose(
            result.expectedLossChoosingA - result.expectedLossChoosingB, result.posteriorMeanB - result.posteriorMeanA,
            tolerance: 1e-9, "loss identity")
        #expect(result.expectedLossChoosingB < result.expectedLossChoosingA)
        // Normal-approximation check of the loss: σφ(d/σ) − dΦ(−d/σ) with the posterior moments.
        let normal = try #require(
            NormalMeans.compare(
                SampleSummary(successes: 120, trials: 1000), SampleSummary(successes: 140, trials: 1000)
            ).value)
        #expect(abs(normal.expectedLossChoosingB - result.expectedLossChoosingB) < 2e-4)
        #expect(abs(normal.probabilityBBeatsA - result.probabilityBBeatsA) < 0.01)
    }
}
