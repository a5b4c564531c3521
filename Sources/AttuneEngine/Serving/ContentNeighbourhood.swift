import AttuneML

/// Content similarity of an item to a model's trained items, over what training's content model
/// reads: TF-IDF of the catalogue text (title, description, categories, tags, vectorised as
/// training does, ``CatalogText``), cosine through an inverted index so that one query reads only
/// the items sharing a term with it; and the imported item embeddings, cosine over unit rows.
/// When an item has both, the two cosines are averaged.
///
/// Built once per served model version by the catalogue service (``LiveCatalogue``), off the
/// cooperative pool, when the first new item needs it; never on a request.
package struct ContentNeighbourhood: Sendable {
    let vectorizer: TFIDFVectorizer?
    /// terms x trained items: the transposed unit-length TF-IDF rows.
    let itemsByTerm: SparseMatrix?
    /// Trained items' embeddings scaled to unit length (zero rows for items without one), row-major.
    let embeddings: [Float]
    let embeddingDimension: Int
    let itemCount: Int

    /// - Parameters:
    ///   - texts: one per trained item, in model order.
    ///   - embeddings: items x d in model order (zero rows for items without one), if any.
    /// `nil` when no trained item has text or an embedding.
    /// - Complexity: O(total characters + V log V + items x d).
    package init?(texts: [ItemText], embeddings: DenseMatrix? = nil) {
        if texts.contains(where: CatalogText.hasText),
            let (vectorizer, rows) = try? TFIDFVectorizer.fitTransform(documents: texts, configuration: CatalogText.configuration)
        {
            self.vectorizer = vectorizer
            itemsByTerm = rows.transposed()
        } else {
            vectorizer = nil
            itemsByTerm = nil
        }
        if let embeddings, embeddings.rowCount == texts.count, embeddings.columnCount > 0 {
            let d = embeddings.columnCount
            var rows = embeddings.values
            for r in 0..<embeddings.rowCount {
                let unit = ItemSimilarity.unit(Array(rows[(r * d)..<((r + 1) * d)]))
                rows.replaceSubrange((r * d)..<((r + 1) * d), with: unit)
            }
            self.embeddings = rows
            embeddingDimension = d
        } else {
            self.embeddings = []
            embeddingDimension = 0
        }
        guard vectorizer != nil || embeddingDimension > 0 else { return nil }
        itemCount = texts.count
    }

    /// The `k` trained items whose content is most like `text` and `embedding`, best first,
    /// positive similarity only. Empty for an item with neither a known term nor an embedding of
    /// the catalogue's dimension.
    /// - Complexity: O(Σ over the text's terms of the items holding them + items x d).
    package func neighbours(of text: ItemText, embedding: [Float]? = nil, k: Int) -> [(item: Int32, similarity: Float)] {
        var scores: [Float] = []
        return neighbours(of: text, embedding: embedding, k: k, scores: &scores)
    }

    /// The neighbours of each of `items`, as ``neighbours(of:embedding:k:)``, with one scores
    /// buffer for all of them.
    package func neighbours(of items: [(text: ItemText, embedding: [Float]?)], k: Int) -> [[(item: Int32, similarity: Float)]] {
        var scores: [Float] = []
        return items.map { neighbours(of: $0.text, embedding: $0.embedding, k: k, scores: &scores) }
    }

    private func neighbours(of text: ItemText, embedding: [Float]?, k: Int, scores: inout [Float]) -> [(item: Int32, similarity: Float)] {
        guard k > 0 else { return [] }
        if scores.count == itemCount {
            scores.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            scores = [Float](repeating: 0, count: itemCount)
        }
        var parts: Float = 0
        if let vectorizer, let itemsByTerm {
            let row = vectorizer.transform([text])
            if row.nonZeroCount > 0 {
                parts += 1
                for (term, weight) in zip(row.columns(ofRow: 0), row.values(ofRow: 0)) {
                    for (item, value) in zip(itemsByTerm.columns(ofRow: Int(term)), itemsByTerm.values(ofRow: Int(term))) {
                        scores[Int(item)] += weight * value
                    }
                }
            }
        }
        if let embedding, embeddingDimension > 0, embedding.count == embeddingDimension, embedding.allSatisfy(\.isFinite) {
            let unit = ItemSimilarity.unit(embedding)
            if unit.contains(where: { $0 != 0 }) {
                parts += 1
                let d = embeddingDimension
                embeddings.withUnsafeBufferPointer { e in
                    unit.withUnsafeBufferPointer { q in
                        scores.withUnsafeMutableBufferPointer { s in
                            for j in 0..<itemCount { s[j] += VectorKernels.dot(q.baseAddress!, e.baseAddress! + j * d, count: d) }
                        }
                    }
                }
            }
        }
        guard parts > 0 else { return [] }
        var selector = TopKSelector(k: min(k, itemCount))
        let found = selector.select(scores: scores)
        return found.filter { scores[Int($0)] > 0 }.map { ($0, scores[Int($0)] / parts) }
    }

    /// The similarity-weighted mean of `neighbours`' vectors (`vector(of:)`), and the nearest
    /// one; `nil` without neighbours.
    package static func borrowedVector(
        from neighbours: [(item: Int32, similarity: Float)], vector: (Int32) -> [Float]?
    ) -> (vector: [Float], anchor: Int32)? {
        var sum: [Float] = []
        var weight: Float = 0
        for (item, similarity) in neighbours {
            guard let v = vector(item) else { continue }
            if sum.isEmpty { sum = [Float](repeating: 0, count: v.count) }
            guard v.count == sum.count else { continue }
            for c in 0..<v.count { sum[c] += similarity * v[c] }
            weight += similarity
        }
        guard weight > 0, let anchor = neighbours.first?.item else { return nil }
        return (sum.map { $0 / weight }, anchor)
    }
}
