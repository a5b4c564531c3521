import AttuneML

/// Item-to-item similarity from whatever the serving model knows: the neighbour lists of item-kNN,
/// cosine over item factors for ALS and BPR, or co-occurrence cosine over the training matrix
/// for popularity (which has no notion of similarity of its own).
package struct ItemSimilarity: Sendable {
    private enum Source: Sendable {
        case neighbors(ItemKNN)
        /// Row-normalised item factors, row-major.
        case factors([Float], dimension: Int)
        /// Item -> users (the transposed training matrix) and item popularity.
        case cooccurrence(SparseMatrix, SparseMatrix)
    }

    private let source: Source
    package let itemCount: Int

    /// - Parameter usersByItem: `snapshot.seen` transposed (shared with ``Audience``).
    package init(snapshot: ModelSnapshot, usersByItem: SparseMatrix) {
        itemCount = snapshot.items.count
        // A blend takes its similarity from the first component that has one, in this order.
        let models = snapshot.model.components
        let preference: [(any Recommender) -> Source?] = [
            { ($0 as? ItemKNN).map(Source.neighbors) },
            { ($0 as? Item2Vec).map { Self.normalized($0.itemVectors) } },
            { ($0 as? ImplicitALS).map { Self.normalized($0.itemFactors) } },
            { ($0 as? BPR).map { Self.normalized($0.itemFactors) } },
        ]
        source = preference.lazy.compactMap { pick in models.lazy.compactMap(pick).first }.first
            ?? .cooccurrence(usersByItem, snapshot.seen)
    }

    private static func normalized(_ m: DenseMatrix) -> Source {
        var values = m.values
        let d = m.columnCount
        for r in 0..<m.rowCount {
            var norm: Float = 0
            for c in 0..<d { norm += values[r * d + c] * values[r * d + c] }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            for c in 0..<d { values[r * d + c] *= scale }
        }
        return .factors(values, dimension: d)
    }

    /// Bytes of its own (row-normalised) copy of the item factors; 0 when it reads a model's
    /// neighbour lists or the training matrix, which are counted with those.
    package var ownedBytes: Int {
        if case .factors(let values, _) = source { return values.capacity * MemoryLayout<Float>.stride }
        return 0
    }

    /// The `count` most similar items to `item`, best first, never `item` itself.
    /// - Complexity: O(neighbors) for item-kNN; O(items · factors) for factor models;
    ///   O(Σ over the item's users of their history) for co-occurrence.
    package func similar(to item: Int32, count: Int) -> [(item: Int32, similarity: Float)] {
        guard item >= 0, Int(item) < itemCount, count > 0 else { return [] }
        switch source {
        case .neighbors(let model):
            return Array(model.neighbors(of: Int(item)).filter { $0.item != item && $0.similarity > 0 }.prefix(count))
        case .factors(let values, let d):
            var scores = [Float](repeating: 0, count: itemCount)
            values.withUnsafeBufferPointer { v in
                let target = v.baseAddress! + Int(item) * d
                for j in 0..<itemCount { scores[j] = VectorKernels.dot(target, v.baseAddress! + j * d, count: d) }
            }
            return Self.top(scores, count: count, excluding: item)
        case .cooccurrence(let byItem, let byUser):
            var scores = [Float](repeating: 0, count: itemCount)
            for user in byItem.columns(ofRow: Int(item)) {
                for other in byUser.columns(ofRow: Int(user)) { scores[Int(other)] += 1 }
            }
            let own = Float(byItem.columns(ofRow: Int(item)).count)
            for j in 0..<itemCount where scores[j] > 0 {
                scores[j] /= (own * Float(byItem.columns(ofRow: j).count)).squareRoot()
            }
            return Self.top(scores, count: count, excluding: item)
        }
    }

    /// The width of the factor vectors similarity is measured on, or `nil` when it is not
    /// measured on factors.
    package var factorDimension: Int? {
        if case .factors(_, let d) = source { return d }
        return nil
    }

    /// The cosine of `vector` (``factorDimension`` values, any length) with every item's factors:
    /// the `count` best, best first, positive only; `nil` when similarity is not over factors.
    /// Items added after training are compared this way.
    package func similar(toFactors vector: [Float], count: Int) -> [(item: Int32, similarity: Float)]? {
        guard case .factors(let values, let d) = source, vector.count == d, count > 0 else { return nil }
        let target = Self.unit(vector)
        var scores = [Float](repeating: 0, count: itemCount)
        values.withUnsafeBufferPointer { v in
            target.withUnsafeBufferPointer { t in
                for j in 0..<itemCount { scores[j] = VectorKernels.dot(t.baseAddress!, v.baseAddress! + j * d, count: d) }
            }
        }
        return Self.top(scores, count: count, excluding: -1)
    }

    /// The unit-length factors of `item`, when similarity is over factors.
    package func unitFactors(of item: Int32) -> [Float]? {
        guard case .factors(let values, let d) = source, item >= 0, Int(item) < itemCount else { return nil }
        return Array(values[(Int(item) * d)..<(Int(item) * d + d)])
    }

    /// `vector` scaled to unit length (zero stays zero).
    package static func unit(_ vector: [Float]) -> [Float] {
        var norm: Float = 0
        for x in vector { norm += x * x }
        let scale = norm > 0 ? 1 / norm.squareRoot() : 0
        return vector.map { $0 * scale }
    }

    /// Similarity of two items (0 when unknown or unrelated).
    package func similarity(_ a: Int32, _ b: Int32) -> Float {
        guard a >= 0, b >= 0, Int(a) < itemCount, Int(b) < itemCount else { return 0 }
        switch source {
        case .neighbors(let model):
            return model.neighbors(of: Int(a)).first { $0.item == b }?.similarity ?? 0
        case .factors(let values, let d):
            return values.withUnsafeBufferPointer { v in
                VectorKernels.dot(v.baseAddress! + Int(a) * d, v.baseAddress! + Int(b) * d, count: d)
            }
        case .cooccurrence(let byItem, _):
            let ua = byItem.columns(ofRow: Int(a))
            let ub = Set(byItem.columns(ofRow: Int(b)))
            guard !ua.isEmpty, !ub.isEmpty else { return 0 }
            let common = ua.filter(ub.contains).count
            return Float(common) / (Float(ua.count) * Float(ub.count)).squareRoot()
        }
    }

    /// For each of `items`, the member of `history` most similar to it (the first of equals;
    /// positive similarity only), else `nil`.
    /// Over factors every row involved is prefetched before the first product: the rows lie
    /// anywhere in megabytes of factors, and a request's few dozen cache misses then overlap
    /// instead of stalling one after another (they were a tenth of a warm request's CPU).
    /// - Complexity: O(items x history x factors) over factors.
    package func closest(to items: [Int32], among history: [Int32]) -> [Int32?] {
        guard case .factors(let values, let d) = source else {
            return items.map { item in
                var best: (item: Int32, similarity: Float)?
                for h in history {
                    let s = similarity(item, h)
                    if s > (best?.similarity ?? 0) { best = (h, s) }
                }
                return best?.item
            }
        }
        let count = itemCount
        func valid(_ item: Int32) -> Bool { item >= 0 && Int(item) < count }
        return values.withUnsafeBufferPointer { v -> [Int32?] in
            guard let base = v.baseAddress else { return items.map { _ in nil } }
            let rowBytes = d * MemoryLayout<Float>.stride
            for item in history where valid(item) { Prefetch.lines(base + Int(item) * d, bytes: rowBytes) }
            for item in items where valid(item) { Prefetch.lines(base + Int(item) * d, bytes: rowBytes) }
            return items.map { item -> Int32? in
                guard valid(item) else { return nil }
                let row = base + Int(item) * d
                var best: Int32?
                var bestSimilarity: Float = 0
                for h in history where valid(h) {
                    let s = VectorKernels.dot(row, base + Int(h) * d, count: d)
                    if s > bestSimilarity {
                        best = h
                        bestSimilarity = s
                    }
                }
                return best
            }
        }
    }

    private static func top(_ scores: [Float], count: Int, excluding item: Int32) -> [(item: Int32, similarity: Float)] {
        var selector = TopKSelector(k: count)
        return selector.select(scores: scores, excluding: [item])
            .filter { scores[Int($0)] > 0 }
            .map { ($0, scores[Int($0)]) }
    }
}
