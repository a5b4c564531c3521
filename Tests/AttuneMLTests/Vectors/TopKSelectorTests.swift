import Testing
@testable import AttuneML

struct TopKSelectorTests {
    @Test func returnsBestFirst() {
        var s = TopKSelector(k: 3)
        #expect(s.select(scores: [0.1, 0.9, 0.5, 0.7, 0.2]) == [1, 3, 2])
    }

    @Test func breaksTiesByAscendingIndex() {
        var s = TopKSelector(k: 3)
        #expect(s.select(scores: [1, 2, 2, 1, 2]) == [1, 2, 4])
        var s2 = TopKSelector(k: 2)
        #expect(s2.select(scores: [5, 5, 5, 5]) == [0, 1])
    }

    @Test func skipsExcludedIndices() {
        var s = TopKSelector(k: 2)
        #expect(s.select(scores: [9, 8, 7, 6], excluding: [0, 2]) == [1, 3])
    }

    @Test func returnsFewerWhenFewAreEligible() {
        var s = TopKSelector(k: 5)
        #expect(s.select(scores: [1, 2, 3], excluding: [1]) == [2, 0])
    }

    @Test func neverSelectsNaN() {
        var s = TopKSelector(k: 3)
        #expect(s.select(scores: [.nan, 1, .nan, 0]) == [1, 3])
    }

    @Test func zeroKSelectsNothing() {
        var s = TopKSelector(k: 0)
        #expect(s.select(scores: [1, 2]).isEmpty)
    }

    @Test(arguments: [1, 5, 10, 50])
    func matchesFullSortOracle(k: Int) {
        var g = SeededGenerator(seed: UInt64(k))
        var selector = TopKSelector(k: k)
        for _ in 0..<50 {
            // Coarse scores so that ties are frequent.
            let scores = (0..<200).map { _ in Float(g.nextIndex(below: 20)) }
            let excluded = Array(Set((0..<30).map { _ in Int32(g.nextIndex(below: 200)) })).sorted()
            let got = selector.select(scores: scores, excluding: excluded)
            #expect(got == TopKSelector.selectBySorting(scores: scores, k: k, excluding: Set(excluded)))
        }
    }
}
