import Testing

@testable import AttuneML

struct HungarianMatchingTests {
    @Test func solvesAKnownSquareMatrix() throws {
        let costs: [Double] = [4, 1, 3, 2, 0, 5, 3, 2, 2]
        let a = try HungarianMatching.solve(costs: costs, rowCount: 3, columnCount: 3)
        #expect(a == [1, 0, 2])
        #expect(HungarianMatching.cost(of: a, costs: costs, columnCount: 3) == 5)
    }

    @Test func solvesAWideMatrix() throws {
        // Two rows, four columns: the cheapest pair of distinct columns is 1 (row 0) and 3 (row 1).
        let costs: [Double] = [9, 1, 8, 7, 6, 2, 9, 3]
        let a = try HungarianMatching.solve(costs: costs, rowCount: 2, columnCount: 4)
        #expect(a == [1, 3])
    }

    @Test func solvesATallMatrixLeavingRowsUnmatched() throws {
        // Three rows, two columns: rows 2 and 0 take columns 0 and 1; row 1 stays unmatched.
        let costs: [Double] = [5, 1, 9, 9, 1, 4]
        let a = try HungarianMatching.solve(costs: costs, rowCount: 3, columnCount: 2)
        #expect(a == [1, -1, 0])
    }

    @Test(arguments: [(4, 4), (3, 6), (6, 3), (5, 5), (1, 4), (4, 1)])
    func matchesExhaustiveSearch(shape: (Int, Int)) throws {
        let (r, c) = shape
        for seed in UInt64(0)..<10 {
            let costs = Fixtures.randomFloats(r * c, seed: seed * 31 + UInt64(r)).map { Double($0 + 1) * 10 }
            let a = try HungarianMatching.solve(costs: costs, rowCount: r, columnCount: c)
            let used = a.filter { $0 >= 0 }
            #expect(used.count == min(r, c))
            #expect(Set(used).count == used.count)
            let best = HungarianMatching.solveByEnumeration(costs: costs, rowCount: r, columnCount: c)
            #expect(abs(HungarianMatching.cost(of: a, costs: costs, columnCount: c) - best) < 1e-9)
        }
    }

    @Test func emptyMatricesGiveEmptyOrUnmatchedAssignments() throws {
        #expect(try HungarianMatching.solve(costs: [], rowCount: 0, columnCount: 3) == [])
        #expect(try HungarianMatching.solve(costs: [], rowCount: 2, columnCount: 0) == [-1, -1])
    }

    @Test func badInputsAreRejected() {
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try HungarianMatching.solve(costs: [1, 2, 3], rowCount: 2, columnCount: 2)
        }
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try HungarianMatching.solve(costs: [1, .nan, 3, 4], rowCount: 2, columnCount: 2)
        }
    }
}
