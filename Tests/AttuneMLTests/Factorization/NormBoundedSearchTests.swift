import AttuneML
import Testing

/// The pruned scan must answer exactly what scoring every item and selecting the top k answers.
struct NormBoundedSearchTests {
    /// Scores of every item (the serving scan) and the top k of them outside `excluded`.
    static func bruteForce(_ u: [Float], _ items: DenseMatrix, bias: [Float], k: Int, excluding excluded: [Int32])
        -> [(item: Int32, score: Float)]
    {
        var scores = [Float](repeating: 0, count: items.rowCount)
        u.withUnsafeBufferPointer { p in
            scores.withUnsafeMutableBufferPointer { s in
                FactorScoring.score(userVector: p.baseAddress!, itemFactors: items, itemBias: bias, into: s)
            }
        }
        var selector = TopKSelector(k: min(k, items.rowCount))
        return selector.select(scores: scores, excluding: excluded).map { ($0, scores[Int($0)]) }
    }

    @Test(arguments: [false, true])
    func matchesTheFullScan(withBias: Bool) {
        var rng = SeededGenerator(seed: 7)
        // Item norms spread like a factor model's: a few large (popular), most small.
        var items = DenseMatrix.random(rowCount: 2_003, columnCount: 16, scale: 2, offset: -0.5, using: &rng)
        for i in 0..<items.rowCount {
            let scale = Float(1) / Float(1 + i % 97)
            for c in 0..<16 { items.values[i * 16 + c] *= scale }
        }
        let bias = withBias ? (0..<items.rowCount).map { _ in rng.nextUnitFloat() - 0.5 } : []
        let search = NormBoundedSearch(itemFactors: items, itemBias: bias)
        for trial in 0..<40 {
            let u = (0..<16).map { _ in (rng.nextUnitFloat() - 0.3) * 3 }
            let excluded = Array(Set((0..<(trial % 7) * 20).map { _ in Int32(rng.next() % 2_003) })).sorted()
            for k in [1, 10, 50] {
                let expected = Self.bruteForce(u, items, bias: bias, k: k, excluding: excluded)
                let found = u.withUnsafeBufferPointer { search.top(userVector: $0, k: k, excluding: excluded) }
                #expect(found.map(\.item) == expected.map(\.item))
                #expect(found.map(\.score) == expected.map(\.score))
            }
        }
    }

    @Test func tiesGoToTheLowerIndexAndEveryItemCanBeReturned() {
        // Identical rows: every score ties, so the answer is the lowest indices outside the exclusions.
        let items = try! DenseMatrix(rowCount: 9, columnCount: 8, values: [Float](repeating: 0.5, count: 72))
        let search = NormBoundedSearch(itemFactors: items)
        let u = [Float](repeating: 1, count: 8)
        let found = u.withUnsafeBufferPointer { search.top(userVector: $0, k: 4, excluding: [0, 2]) }
        #expect(found.map(\.item) == [1, 3, 4, 5])
        let all = u.withUnsafeBufferPointer { search.top(userVector: $0, k: 20, excluding: [8]) }
        #expect(all.map(\.item) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(u.withUnsafeBufferPointer { search.top(userVector: $0, k: 0, excluding: []) }.isEmpty)
    }

    @Test func nanScoresAreNeverReturned() {
        var values = [Float](repeating: 0.1, count: 4 * 8)
        values[8] = .nan
        let items = try! DenseMatrix(rowCount: 4, columnCount: 8, values: values)
        let u = [Float](repeating: 1, count: 8)
        let found = u.withUnsafeBufferPointer { NormBoundedSearch(itemFactors: items).top(userVector: $0, k: 4, excluding: []) }
        #expect(found.map(\.item).sorted() == [0, 2, 3])
    }
}
