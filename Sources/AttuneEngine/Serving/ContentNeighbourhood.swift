import AttuneML

/// Content similarity of an item to a model's trained items: TF-IDF over the catalogue text
/// (title, description, categories, tags, vectorised as training does, ``CatalogText``), cosine
/// through an inverted index so that one query reads only the items sharing a term with it.
///
/// Built once per served model version, when the first new item needs it; never on a request.
package struct ContentNeighbourhood: Sendable {
    let vectorizer: TFIDFVectorizer
    /// terms x trained items: the transposed unit-length TF-IDF rows.
    let itemsByTerm: SparseMatrix
    let itemCount: Int

    /// `nil` when no trained item has text.
    /// - Complexity: O(total characters + V log V).
    package init?(texts: [ItemText]) {
        guard texts.contains(where: CatalogText.hasText),
            let (vectorizer, rows) = try? TFIDFVectorizer.fitTransform(documents: texts, configuration: CatalogText.configuration)
        else { return nil }
        self.vectorizer = vectorizer
        itemsByTerm = rows.transposed()
        itemCount = texts.count
    }

    /// The `k` trained items whose text is most like `text`, best first, cosine above zero only.
    /// Empty for text with no term the catalogue knows.
    /// - Complexity: O(Σ over the text's terms of the items holding them + items).
    package func neighbours(of text: ItemText, k: Int) -> [(item: Int32, similarity: Float)] {
        let row = vectorizer.transform([text])
        guard row.nonZeroCount > 0, k > 0 else { return [] }
        var scores = [Float](repeating: 0, count: itemCount)
        for (term, weight) in zip(row.columns(ofRow: 0), row.values(ofRow: 0)) {
            for (item, value) in zip(itemsByTerm.columns(ofRow: Int(term)), itemsByTerm.values(ofRow: Int(term))) {
                scores[Int(item)] += weight * value
            }
        }
        var selector = TopKSelector(k: min(k, itemCount))
        return selector.select(scores: scores).filter { scores[Int($0)] > 0 }.map { ($0, scores[Int($0)]) }
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
