import AttuneML
import Foundation
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

    /// One row's score as the full scan sums it, written out lane by lane:
    /// ``VectorKernels/dot4(_:rows:stride:count:)`` keeps eight accumulators, lane `j` taking
    /// factors `j, j + 8, …` by fused multiply-add, adds the eight in order, then the tail
    /// factors one by one with a separate multiply and add.
    static func reference(_ u: [Float], _ row: ArraySlice<Float>) -> Float {
        var lanes = [Float](repeating: 0, count: 8)
        let blocked = u.count / 8 * 8
        for c in 0..<blocked { lanes[c % 8] = lanes[c % 8].addingProduct(row[row.startIndex + c], u[c]) }
        var sum = lanes[0]
        for j in 1..<8 { sum += lanes[j] }
        for c in blocked..<u.count { sum += row[row.startIndex + c] * u[c] }
        return sum
    }

    /// Every item scored with ``reference(_:_:)``, NaN and excluded items dropped, then the best
    /// `k` by score with ties to the lower index.
    static func exhaustive(_ u: [Float], _ items: DenseMatrix, bias: [Float], k: Int, excluding excluded: [Int32])
        -> [(item: Int32, score: Float)]
    {
        let f = items.columnCount
        let excludedSet = Set(excluded)
        var all: [(item: Int32, score: Float)] = []
        for i in 0..<items.rowCount where !excludedSet.contains(Int32(i)) {
            var s = reference(u, items.values[(i * f)..<((i + 1) * f)])
            if !bias.isEmpty { s += bias[i] }
            if !s.isNaN { all.append((Int32(i), s)) }
        }
        all.sort { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
        return Array(all.prefix(k))
    }

    @Test func theReferenceIsTheFullScansKernel() {
        var rng = SeededGenerator(seed: 3)
        for f in [1, 5, 8, 13, 64] {
            let items = DenseMatrix.random(rowCount: 4, columnCount: f, scale: 2, offset: -1, using: &rng)
            let u = (0..<f).map { _ in rng.nextUnitFloat() * 4 - 2 }
            let four = items.values.withUnsafeBufferPointer { rows in
                u.withUnsafeBufferPointer {
                    VectorKernels.dot4($0.baseAddress!, rows: rows.baseAddress!, stride: f, count: f)
                }
            }
            for r in 0..<4 {
                #expect(Self.reference(u, items.values[(r * f)..<((r + 1) * f)]).bitPattern == four[r].bitPattern)
            }
        }
    }

    /// Random catalogues of every shape the blocks meet (fewer items than a block, partial last
    /// blocks, factor counts that are and are not multiples of 8), norms over five orders of
    /// magnitude, item biases or none, NaN rows, duplicate rows (ties), zero and huge user
    /// vectors, exclusions inside and beyond the catalogue, k from 1 to past the catalogue: the
    /// search answers exactly the exhaustive selection, items, order and score bits.
    @Test(arguments: [1, 3, 8, 13, 64])
    func answersTheExhaustiveSelectionBitForBit(factors f: Int) throws {
        var rng = SeededGenerator(seed: UInt64(100 + f))
        for n in [1, 5, 8, 9, 31, 32, 33, 40, 257, 1_000] {
            var values = (0..<(n * f)).map { _ in rng.nextUnitFloat() * 2 - 1 }
            for i in 0..<n {
                // Norms spread like a factor model's: most small, a few large.
                let scale = Float(pow(10, Double(rng.nextUnitFloat()) * 5 - 3))
                for c in 0..<f { values[i * f + c] *= scale }
            }
            if n > 4 {
                // Duplicates tie; a NaN anywhere in a row makes its score NaN.
                for c in 0..<f { values[(n - 1) * f + c] = values[c] }
                values[(n / 2) * f + f / 2] = .nan
                values[(n / 3) * f] = .nan
            }
            let items = try DenseMatrix(rowCount: n, columnCount: f, values: values)
            for withBias in [false, true] {
                var bias = withBias ? (0..<n).map { _ in rng.nextUnitFloat() - 0.5 } : []
                if withBias, n > 6 { bias[5] = .nan }
                let search = NormBoundedSearch(itemFactors: items, itemBias: bias)
                #expect(search.itemCount == n)
                for trial in 0..<12 {
                    var u = (0..<f).map { _ in (rng.nextUnitFloat() - 0.3) * 3 }
                    if trial == 0 { u = [Float](repeating: 0, count: f) }
                    if trial == 1 { u = u.map { $0 * 1e6 } }
                    var excluded = Set((0..<(trial % 4) * n / 5).map { _ in Int32(rng.next() % UInt64(n)) })
                    if trial % 3 == 2 { excluded.insert(Int32(n + 7)) }
                    let sortedExcluded = excluded.sorted()
                    let ranked = Self.exhaustive(u, items, bias: bias, k: n, excluding: sortedExcluded)
                    for k in [1, 3, 8, 20, n, n + 5] {
                        let expected = ranked.prefix(k)
                        var visited = 0
                        let found = u.withUnsafeBufferPointer {
                            search.top(userVector: $0, k: k, excluding: sortedExcluded, visited: &visited)
                        }
                        let context: Comment = "n \(n) f \(f) k \(k) trial \(trial) bias \(withBias)"
                        #expect(found.map(\.item) == expected.map(\.item), context)
                        #expect(found.map(\.score.bitPattern) == expected.map(\.score.bitPattern), context)
                        #expect(visited <= n)
                    }
                }
            }
        }
    }

    @Test func stopsBeforeTheEndWhenTheBoundAllows() throws {
        // One item far above the rest: the top 1 is found in the first block, and the bound of the
        // next blocks is below it.
        var values = [Float](repeating: 0.001, count: 1_000 * 8)
        for c in 0..<8 { values[500 * 8 + c] = 10 }
        let items = try DenseMatrix(rowCount: 1_000, columnCount: 8, values: values)
        let u = [Float](repeating: 1, count: 8)
        var visited = 0
        let search = NormBoundedSearch(itemFactors: items)
        let found = u.withUnsafeBufferPointer { search.top(userVector: $0, k: 1, excluding: [], visited: &visited) }
        #expect(found.map(\.item) == [500])
        #expect(visited < 1_000)
    }
}
