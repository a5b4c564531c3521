/// Blends the scores of several recommenders, each normalised per user, with fixed weights.
///
/// Raw scores of different models live on different scales (cosines, dot products, counts), so
/// each model's scores for a user are first rescaled over that user's candidate items (those not
/// in the history): min-max to [0, 1], or z-score to mean 0 and unit deviation. The blend is the
/// weighted sum of the rescaled scores, a linear "weighted hybrid" in Burke's taxonomy (Burke,
/// "Hybrid recommender systems: survey and experiments", UMUAI 12(4), 2002). Weights come from
/// ``HybridWeightSearch`` on held-out data.
///
/// Works with any ``Recommender``; saving needs every component to be a ``PersistableRecommender``.
package struct HybridRecommender: Recommender {
    /// How each component's scores are rescaled per user before blending.
    package enum Normalization: UInt8, Sendable, Equatable, CaseIterable {
        /// `(s − min) / (max − min)` over the candidates; all 0 when they are equal.
        case minMax = 0
        /// `(s − mean) / deviation` over the candidates; all 0 when the deviation is 0.
        case zScore = 1
    }

    /// The blended models, all scoring the same catalogue.
    package let components: [any Recommender]
    /// One non-negative weight per component; a zero-weight component is not even scored.
    package let weights: [Float]
    package let normalization: Normalization

    package var itemCount: Int { components[0].itemCount }

    /// - Throws: `AttuneMLError.invalidArgument` without components, with a negative, non-finite or
    ///   all-zero weight; `AttuneMLError.dimensionMismatch` when weights and components differ in
    ///   count or the components score different catalogues.
    package init(components: [any Recommender], weights: [Float], normalization: Normalization = .minMax) throws {
        guard !components.isEmpty else { throw AttuneMLError.invalidArgument("a hybrid needs at least one component") }
        guard weights.count == components.count else {
            throw AttuneMLError.dimensionMismatch("\(components.count) components, \(weights.count) weights")
        }
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.contains(where: { $0 > 0 }) else {
            throw AttuneMLError.invalidArgument("weights must be finite, non-negative and not all zero")
        }
        let n = components[0].itemCount
        guard components.allSatisfy({ $0.itemCount == n }) else {
            throw AttuneMLError.dimensionMismatch("components score catalogues of different sizes")
        }
        self.components = components
        self.weights = weights
        self.normalization = normalization
    }

    /// The weighted sum of the components' normalised scores; items in `history` get 0.
    /// - Complexity: the components' scoring plus O(components · items).
    package func score(
        user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        scores.update(repeating: 0)
        var buffer = [Float](repeating: 0, count: itemCount)
        buffer.withUnsafeMutableBufferPointer { b in
            for (c, model) in components.enumerated() where weights[c] > 0 {
                model.score(user: user, history: history, values: values, into: b)
                Self.normalize(b, excluding: history, normalization)
                let w = weights[c]
                for i in 0..<scores.count { scores[i] += w * b[i] }
            }
        }
    }

    /// Rescales `scores` in place over the items not in `excluded` (sorted ascending); excluded and
    /// non-finite entries become 0.
    /// - Complexity: O(items + excluded).
    package static func normalize(
        _ scores: UnsafeMutableBufferPointer<Float>, excluding excluded: UnsafeBufferPointer<Int32>,
        _ normalization: Normalization
    ) {
        let n = scores.count
        // First pass: statistics over candidates; excluded entries are marked NaN for the second pass.
        var ex = 0
        var lo = Float.infinity
        var hi = -Float.infinity
        var sum: Double = 0
        var sumSquares: Double = 0
        var count = 0
        for i in 0..<n {
            while ex < excluded.count && Int(excluded[ex]) < i { ex += 1 }
            if ex < excluded.count && Int(excluded[ex]) == i {
                scores[i] = .nan
                continue
            }
            let s = scores[i]
            guard s.isFinite else {
                scores[i] = .nan
                continue
            }
            lo = Swift.min(lo, s)
            hi = Swift.max(hi, s)
            sum += Double(s)
            sumSquares += Double(s) * Double(s)
            count += 1
        }
        let shift: Float
        let scale: Float
        switch normalization {
        case .minMax:
            shift = count > 0 ? lo : 0
            scale = hi > lo ? 1 / (hi - lo) : 0
        case .zScore:
            let mean = count > 0 ? sum / Double(count) : 0
            let variance = count > 0 ? Swift.max(0, sumSquares / Double(count) - mean * mean) : 0
            shift = Float(mean)
            scale = variance > 0 ? Float(1 / variance.squareRoot()) : 0
        }
        for i in 0..<n {
            let s = scores[i]
            scores[i] = s.isNaN ? 0 : (s - shift) * scale
        }
    }
}
