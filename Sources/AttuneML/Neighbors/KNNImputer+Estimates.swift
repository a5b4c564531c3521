/// An estimate with how far to trust it, in [0, 1].
package struct Imputed<Value: Sendable & Equatable>: Sendable, Equatable {
    package var value: Value
    package var confidence: Float

    package init(value: Value, confidence: Float) {
        self.value = value
        self.confidence = confidence
    }
}

extension Neighbourhoods {
    /// The similarity-weighted mean of the neighbours' values, per query; `nil` for a query
    /// without neighbours.
    ///
    /// Confidence is how much the neighbourhood narrows the spread: 1 − (weighted standard
    /// deviation of the neighbours' values) / (standard deviation of all donors' values), clamped to
    /// [0, 1], then scaled by the share of `k` neighbours actually found. A neighbourhood that agrees
    /// more than the population does earns trust; one as varied as everyone earns none.
    ///
    /// - Parameters:
    ///   - values: the attribute of every row (only donor rows are read).
    ///   - spread: the donors' standard deviation (``KNNImputer/standardDeviation(_:)``).
    package func weightedMeans(of values: [Float], spread: Float) -> [Imputed<Float>?] {
        (0..<queryCount).map { q -> Imputed<Float>? in
            let n = Int(counts[q])
            guard n > 0 else { return nil }
            var total: Float = 0
            var sum: Float = 0
            for j in 0..<n {
                total += similarities[q * k + j]
                sum += similarities[q * k + j] * values[Int(rows[q * k + j])]
            }
            let mean = sum / total
            var squares: Float = 0
            for j in 0..<n {
                let delta = values[Int(rows[q * k + j])] - mean
                squares += similarities[q * k + j] * delta * delta
            }
            let deviation = (squares / total).squareRoot()
            let narrowing = spread > 0 ? min(1, max(0, 1 - deviation / spread)) : 1
            return Imputed(value: mean, confidence: narrowing * Float(n) / Float(k))
        }
    }

    /// The label with the largest summed similarity among the neighbours, per query (ties to the
    /// smaller label); `nil` for a query without neighbours.
    ///
    /// Confidence is the winner's share of the summed similarity, scaled by the share of `k`
    /// neighbours actually found.
    ///
    /// - Parameters:
    ///   - labels: the attribute of every row as a label index in `0..<labelCount` (only donor
    ///     rows are read; a negative label never wins).
    package func weightedVotes(of labels: [Int32], labelCount: Int) -> [Imputed<Int32>?] {
        var tally = [Float](repeating: 0, count: max(1, labelCount))
        return (0..<queryCount).map { q -> Imputed<Int32>? in
            let n = Int(counts[q])
            guard n > 0 else { return nil }
            for i in tally.indices { tally[i] = 0 }
            var total: Float = 0
            for j in 0..<n {
                let label = Int(labels[Int(rows[q * k + j])])
                guard label >= 0, label < labelCount else { continue }
                tally[label] += similarities[q * k + j]
                total += similarities[q * k + j]
            }
            guard total > 0 else { return nil }
            var best = 0
            for label in 1..<labelCount where tally[label] > tally[best] { best = label }
            return Imputed(value: Int32(best), confidence: tally[best] / total * Float(n) / Float(k))
        }
    }
}

extension KNNImputer {
    /// The population standard deviation of `values` at `rows`; 0 for fewer than two.
    package static func standardDeviation(_ values: [Float], at rows: [Int32]) -> Float {
        guard rows.count > 1 else { return 0 }
        var mean: Double = 0
        for row in rows { mean += Double(values[Int(row)]) }
        mean /= Double(rows.count)
        var squares: Double = 0
        for row in rows {
            let delta = Double(values[Int(row)]) - mean
            squares += delta * delta
        }
        return Float((squares / Double(rows.count)).squareRoot())
    }
}
