import AttuneEngine
import Testing

struct ConfidenceBlendTests {
    static let personal: [Int32] = [10, 11, 12, 13]
    static let popular: [Int32] = [20, 21, 10, 22]

    @Test func fullWeightKeepsThePersonalOrderAndZeroThePopularOne() {
        #expect(ConfidenceBlend.fuse(personal: Self.personal, popular: Self.popular, personalWeight: 1, count: 4) == Self.personal)
        #expect(ConfidenceBlend.fuse(personal: Self.personal, popular: Self.popular, personalWeight: 0, count: 4) == Self.popular)
    }

    @Test func anEvenBlendRanksItemsOnBothListsFirstThenAlternates() {
        // 10 is personal #1 and popular #3: 0.5 × 1 + 0.5 × (1 − 2/200) beats either list's leader
        // alone; then the leaders alternate, the personal one first on equal scores.
        let fused = ConfidenceBlend.fuse(personal: Self.personal, popular: Self.popular, personalWeight: 0.5, count: 5)
        #expect(fused == [10, 20, 11, 21, 12])
    }

    @Test func scoresFollowTheDocumentedFormula() {
        let fused = ConfidenceBlend.fuseScored(personal: [1, 2], popular: [2, 3], personalWeight: 0.25, count: 3)
        let expected: [Int32: Double] = [1: 0.25, 2: 0.25 * (1 - 1.0 / 200) + 0.75, 3: 0.75 * (1 - 1.0 / 200)]
        #expect(fused.map(\.item) == [2, 3, 1])
        for entry in fused { #expect(abs(Double(entry.score) - expected[entry.item]!) < 1e-6) }
    }

    @Test(arguments: [(-0.5, 0.0), (0.0, 0.0), (0.42, 0.42), (1.0, 1.0), (1.7, 1.0)])
    func theWeightIsTheBehaviourScoreClamped(behaviour: Double, weight: Double) {
        #expect(ConfidenceBlend.personalWeight(behaviour: behaviour) == weight)
    }
}
