import AttuneCore
import AttuneML

/// One imputed attribute value with its confidence in [0, 1].
package struct ImputedValue: Sendable, Equatable {
    package var value: JSONValue
    package var confidence: Double

    package init(value: JSONValue, confidence: Double) {
        self.value = value
        self.confidence = confidence
    }
}

/// Imputes one attribute over users given as rows of a feature matrix: numbers by the
/// similarity-weighted mean of the k nearest donors (rounded to whole numbers for `age`), anything
/// else by their similarity-weighted vote.
package enum AttributeImputation {
    /// Attributes that identify a person rather than describe them: never guessed.
    package static let refused: Set<String> = ["name", "email", "phone", "e-mail"]

    /// - Parameters:
    ///   - attribute: its name (decides rounding: `age` is whole years).
    ///   - known: per row, the declared value or `nil`.
    ///   - queries: rows to estimate for (rows with a known value are skipped).
    /// - Returns: estimates by row; rows without a neighbour that resembles them are absent.
    /// - Throws: `AttuneMLError` for k ≤ 0 or bad rows.
    package static func impute(
        _ attribute: String, features: DenseMatrix, known: [JSONValue?], queries: [Int32], k: Int, threads: Int
    ) throws -> [Int32: ImputedValue] {
        let imputer = try KNNImputer(features: features, k: k)
        let donors = known.indices.filter { known[$0] != nil }.map { Int32($0) }
        let targets = queries.filter { known[Int($0)] == nil }
        let numeric = !donors.isEmpty && donors.allSatisfy { if case .number? = known[Int($0)] { true } else { false } }
        let neighbourhoods = try imputer.neighbours(of: targets, among: donors, threads: threads)
        var out: [Int32: ImputedValue] = [:]
        if numeric {
            let values = known.map { value -> Float in if case .number(let n)? = value { Float(n) } else { 0 } }
            let spread = KNNImputer.standardDeviation(values, at: donors)
            for (q, estimate) in neighbourhoods.weightedMeans(of: values, spread: spread).enumerated() {
                guard let estimate else { continue }
                let value = attribute == "age" ? Double(estimate.value.rounded()) : Double(estimate.value)
                out[targets[q]] = ImputedValue(value: .number(value), confidence: Self.rounded(estimate.confidence))
            }
        } else {
            var labels: [String] = []
            var labelIndex: [String: Int32] = [:]
            let encoded = known.map { value -> Int32 in
                guard let value else { return -1 }
                let text = Self.label(value)
                if let index = labelIndex[text] { return index }
                labelIndex[text] = Int32(labels.count)
                labels.append(text)
                return Int32(labels.count - 1)
            }
            var originals: [Int32: JSONValue] = [:]
            for (row, value) in known.enumerated() { if let value { originals[encoded[row]] = originals[encoded[row]] ?? value } }
            for (q, vote) in neighbourhoods.weightedVotes(of: encoded, labelCount: labels.count).enumerated() {
                guard let vote, let value = originals[vote.value] else { continue }
                out[targets[q]] = ImputedValue(value: value, confidence: Self.rounded(vote.confidence))
            }
        }
        return out
    }

    static func label(_ value: JSONValue) -> String {
        if case .string(let s) = value { return s }
        return value.serialized(sortedKeys: true)
    }

    /// Three decimals: the confidence is a rough guide, and short numbers keep the JSON readable.
    static func rounded(_ confidence: Float) -> Double { (Double(confidence) * 1000).rounded() / 1000 }
}
