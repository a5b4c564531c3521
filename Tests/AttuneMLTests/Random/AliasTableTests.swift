import Testing

@testable import AttuneML

struct AliasTableTests {
    @Test func drawsInProportionToWeights() throws {
        let table = try AliasTable(weights: [1, 0, 3, 6])
        var g = SeededGenerator(seed: 1)
        var counts = [0, 0, 0, 0]
        let n = 200_000
        for _ in 0..<n { counts[table.sample(using: &g)] += 1 }
        #expect(counts[1] == 0)
        for (c, p) in zip(counts, [0.1, 0, 0.3, 0.6]) { #expect(abs(Double(c) / Double(n) - p) < 0.01) }
    }

    @Test func rejectsBadWeights() {
        for w in [[], [0, 0], [1, -1], [Double.nan]] as [[Double]] {
            #expect(throws: AttuneMLError.invalidArgument("")) { try AliasTable(weights: w) }
        }
    }
}
