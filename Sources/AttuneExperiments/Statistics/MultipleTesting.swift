/// Adjusted p-values for families of tests (many metrics or many variants).
package enum MultipleTesting {
    /// Holm's step-down adjustment (Holm 1979), controlling the family-wise error rate:
    /// p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎).
    /// - Parameter pValues: p-values in [0, 1], in any order; the result keeps that order.
    /// - Throws: `ExperimentError.invalidProbability` for a value outside [0, 1] or NaN.
    /// - Complexity: O(m log m).
    package static func holm(_ pValues: [Double]) throws(ExperimentError) -> [Double] {
        for p in pValues { try Validate.probability(p, "pValues") }
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// The Benjamini–Hochberg step-up adjustment (Benjamini & Hochberg 1995), controlling the false
    /// discovery rate: p̃₍ᵢ₎ = min_{j ≥ i} min(1, m·p₍ⱼ₎/j).
    /// - Parameter pValues: p-values in [0, 1], in any order; the result keeps that order.
    /// - Throws: `ExperimentError.invalidProbability` for a value outside [0, 1] or NaN.
    /// - Complexity: O(m log m).
    package static func benjaminiHochberg(_ pValues: [Double]) throws(ExperimentError) -> [Double] {
        for p in pValues { try Validate.probability(p, "pValues") }
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 1.0
        for rank in stride(from: m - 1, through: 0, by: -1) {
            let index = order[rank]
            running = min(running, min(1, Double(m) * pValues[index] / Double(rank + 1)))
            adjusted[index] = running
        }
        return adjusted
    }
}
