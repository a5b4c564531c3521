/// Samples indices with given weights in O(1) per draw (Walker's alias method, with Vose's
/// numerically stable construction: Vose, "A linear algorithm for generating random numbers with a
/// given distribution", IEEE Trans. Software Engineering 17(9), 1991).
///
/// Used for word2vec's negative-sampling table: exact for any catalogue size, where the classic
/// fixed-size table rounds rare items' probabilities, and O(n) memory.
package struct AliasTable: Sendable, Equatable {
    /// Per slot, the probability of keeping the slot's own index.
    package let probability: [Float]
    /// Per slot, the index returned otherwise.
    package let alias: [Int32]

    /// - Parameter weights: non-negative, finite; at least one positive.
    /// - Throws: `AttuneMLError.invalidArgument` otherwise.
    /// - Complexity: O(n).
    package init(weights: [Double]) throws {
        let n = weights.count
        guard n > 0, weights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw AttuneMLError.invalidArgument("alias weights must be finite and non-negative")
        }
        let total = weights.reduce(0, +)
        guard total > 0 else { throw AttuneMLError.invalidArgument("alias weights must not all be zero") }
        var scaled = weights.map { $0 * Double(n) / total }
        var probability = [Float](repeating: 1, count: n)
        var alias = [Int32](repeating: 0, count: n)
        var small: [Int] = []
        var large: [Int] = []
        for (i, p) in scaled.enumerated() {
            alias[i] = Int32(i)
            if p < 1 { small.append(i) } else { large.append(i) }
        }
        while let s = small.popLast(), let l = large.last {
            probability[s] = Float(scaled[s])
            alias[s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // Whatever remains has probability 1 up to rounding.
        self.probability = probability
        self.alias = alias
    }

    package var count: Int { probability.count }

    /// One index drawn with probability proportional to its weight.
    @inlinable
    package func sample(using generator: inout SeededGenerator) -> Int {
        let slot = generator.nextIndex(below: probability.count)
        return generator.nextUnitFloat() < probability[slot] ? slot : Int(alias[slot])
    }
}
