import Testing
@testable import AttuneML

struct BPRNegativeCheckTests {
    /// Row lengths around each branch of the check: the scalar loop (< 8), the vector scan
    /// (8...64, with and without a partial last vector) and the eight-way narrowing (> 64).
    @Test(arguments: [0, 1, 7, 8, 9, 31, 64, 65, 100, 513, 2_000])
    func negativeCheckAgreesWithBinarySearch(rowLength: Int) {
        var rng = SeededGenerator(seed: UInt64(rowLength))
        // The row sits between entries that must not count: smaller ones before, larger ones after.
        var row = Set<Int32>()
        while row.count < rowLength { row.insert(Int32(rng.nextIndex(below: 4 * rowLength + 8))) }
        let values: [Int32] = [-5, -4] + row.sorted() + [.max, .max]
        values.withUnsafeBufferPointer { buffer in
            let columns = buffer.baseAddress!
            let start = 2, end = 2 + rowLength
            for key in Int32(-5)...Int32(4 * rowLength + 9) {
                #expect(SGDPass.contains(columns, from: start, to: end, key)
                    == SGDPass.containsByBinarySearch(columns, from: start, to: end, key))
            }
        }
    }
}
