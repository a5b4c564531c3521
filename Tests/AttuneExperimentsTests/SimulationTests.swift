import AttuneExperiments
import Testing

/// Seeded Monte Carlo checks of error rates and power.
struct SimulationTests {
    static let experiments = 2000
    static let alpha = 0.05

    @Test func zTestFalsePositiveRateIsNominalInAAExperiments() throws {
        var rng = SplitMix64(seed: 2024)
        let n = 2000
        let sampler = BinomialSampler(trials: n, probability: 0.1)
        var rejections = 0
        for _ in 0..<Self.experiments {
            let a = sampler.sample(using: &rng)
            let b = sampler.sample(using: &rng)
            let result = try TwoProportionZTest.pooled(successes1: a, trials1: n, successes2: b, trials2: n)
            if let p = result.value?.pValue(), p < Self.alpha { rejections += 1 }
        }
        let rate = Double(rejections) / Double(Self.experiments)
        print("A/A z-test false-positive rate \(rate)")
        #expect(rate >= 0.03 && rate <= 0.07)
    }

    /// Ten interim looks of an A/A experiment: the planned group-sequential design keeps the rate at α,
    /// the always-valid mSPRT keeps it at or below α, and naive repeated z-tests inflate it.
    @Test func sequentialMethodsControlFalsePositivesOverTenLooks() throws {
        var rng = SplitMix64(seed: 99)
        let looks = 10
        let perLook = 400
        let rate = 0.1
        let sampler = BinomialSampler(trials: perLook, probability: rate)
        let design = try GroupSequentialDesign(looks: looks, alpha: Self.alpha, spending: .obrienFleming)
        let pocock = try GroupSequentialDesign(looks: looks, alpha: Self.alpha, spending: .pocock)
        let msprt = try MixtureSPRT(alpha: Self.alpha, tuningSampleSize: Double(2 * perLook * looks))
        var groupSequential = 0
        var pocockRejections = 0
        var mixture = 0
        var naive = 0
        for _ in 0..<Self.experiments {
            var a = 0
            var b = 0
            var rejectedGS = false
            var rejectedPocock = false
            var rejectedNaive = false
            var monitor = SequentialMonitor(test: msprt)
            for look in 0..<looks {
                a += sampler.sample(using: &rng)
                b += sampler.sample(using: &rng)
                let n = perLook * (look + 1)
                guard let z = try TwoProportionZTest.pooled(successes1: b, trials1: n, successes2: a, trials2: n).value
                else { continue }
                if design.rejects(z: z.z, atLook: look) { rejectedGS = true }
                if pocock.rejects(z: z.z, atLook: look) { rejectedPocock = true }
                if z.pValue() < Self.alpha { rejectedNaive = true }
                _ = try monitor.observe(
                    difference: z.difference,
                    varianceOfDifference: #require(
                        try TwoProportionZTest.unpooled(successes1: b, trials1: n, successes2: a, trials2: n).value
                    ).standardError.squared,
                    sampleSize: 2 * n)
            }
            if rejectedGS { groupSequential += 1 }
            if rejectedPocock { pocockRejections += 1 }
            if monitor.rejectedAtLook != nil { mixture += 1 }
            if rejectedNaive { naive += 1 }
        }
        let total = Double(Self.experiments)
        let gsRate = Double(groupSequential) / total
        let pocockRate = Double(pocockRejections) / total
        let mixtureRate = Double(mixture) / total
        let naiveRate = Double(naive) / total
        print(
            "A/A ten looks: group-sequential OBF \(gsRate), Pocock \(pocockRate), mSPRT \(mixtureRate), naive peeking \(naiveRate)"
        )
        #expect(gsRate >= 0.03 && gsRate <= 0.07)
        #expect(pocockRate >= 0.03 && pocockRate <= 0.07)
        #expect(mixtureRate <= 0.07)
        #expect(naiveRate > 0.1)
    }

    @Test func plantedEffectIsDetectedAtTheDesignedPower() throws {
        let baseline = 0.10
        let treatment = 0.12
        let designedPower = 0.8
        let n = Int(
            try PowerAnalysis.sampleSizePerArm(
                controlRate: baseline, treatmentRate: treatment, alpha: Self.alpha, power: designedPower,
                method: .pooledNormal
            ).rounded(.up))
        var rng = SplitMix64(seed: 31337)
        let control = BinomialSampler(trials: n, probability: baseline)
        let variant = BinomialSampler(trials: n, probability: treatment)
        var detected = 0
        for _ in 0..<Self.experiments {
            let a = control.sample(using: &rng)
            let b = variant.sample(using: &rng)
            if let p = try TwoProportionZTest.pooled(successes1: b, trials1: n, successes2: a, trials2: n).value?
                .pValue(),
                p < Self.alpha
            {
                detected += 1
            }
        }
        let power = Double(detected) / Double(Self.experiments)
        print("planted effect 10% -> 12% with n=\(n) per arm: empirical power \(power) (designed \(designedPower))")
        #expect(abs(power - designedPower) <= 0.05)
    }
}

extension Double {
    fileprivate var squared: Double { self * self }
}
