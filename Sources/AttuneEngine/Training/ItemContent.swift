import AttuneCore
import AttuneML
import AttuneStore

/// What the content model knows about items besides interactions, in a log's item order: TF-IDF
/// rows of the catalogue's text and the vectors imported with `attune import embeddings`.
package struct ItemContent: Sendable {
    package enum Availability: Sendable {
        case none, text, embeddings, both
    }

    /// items x terms, or `nil` when no item has text.
    package var text: SparseMatrix?
    /// items x d (zero rows for items without a vector), or `nil` when no item has one.
    package var embeddings: DenseMatrix?

    package init(text: SparseMatrix? = nil, embeddings: DenseMatrix? = nil) {
        self.text = text
        self.embeddings = embeddings
    }

    package var availability: Availability {
        switch (text != nil, embeddings != nil) {
        case (true, true): .both
        case (true, false): .text
        case (false, true): .embeddings
        case (false, false): .none
        }
    }

    /// - Throws: `AttuneMLError.dimensionMismatch` when a part does not have one row per item.
    func check(itemCount: Int) throws {
        if let text, text.rowCount != itemCount {
            throw AttuneMLError.dimensionMismatch("\(text.rowCount) text rows for \(itemCount) items")
        }
        if let embeddings, embeddings.rowCount != itemCount {
            throw AttuneMLError.dimensionMismatch("\(embeddings.rowCount) embedding rows for \(itemCount) items")
        }
    }

    /// Reads both parts for the items of `log` from the store.
    package static func load(
        for log: InteractionLog, from store: any CatalogStore & EmbeddingStore, workspace: WorkspaceID
    ) async throws -> ItemContent {
        ItemContent(
            text: try await CatalogText.features(for: log, from: store, workspace: workspace),
            embeddings: try await embeddings(for: log.items, from: store, workspace: workspace))
    }

    /// The stored vectors in `items` order, or `nil` when none of the items has one.
    static func embeddings(for items: Vocabulary<String>, from store: any EmbeddingStore, workspace: WorkspaceID) async throws
        -> DenseMatrix?
    {
        guard let summary = try await store.embeddingSummary(in: workspace), items.count > 0 else { return nil }
        let d = summary.dimension
        var matrix = DenseMatrix(rowCount: items.count, columnCount: d)
        var found = 0
        for start in stride(from: 0, to: items.count, by: 5_000) {
            let range = start..<min(start + 5_000, items.count)
            let keys = range.compactMap { items.key(at: Int32($0)) }
            let vectors = try await store.embeddings(keys.map(ItemID.init(unchecked:)), in: workspace)
            for (row, key) in zip(range, keys) {
                guard let v = vectors[ItemID(unchecked: key)], v.count == d else { continue }
                found += 1
                for k in 0..<d { matrix[row, k] = v[k] }
            }
        }
        return found > 0 ? matrix : nil
    }

    /// The same, from `(item id, vector)` pairs read from a file (offline evaluation).
    static func embeddings(for items: Vocabulary<String>, from vectors: [String: [Float]]) -> DenseMatrix? {
        guard let d = vectors.first?.value.count, items.count > 0 else { return nil }
        var matrix = DenseMatrix(rowCount: items.count, columnCount: d)
        var found = 0
        for row in 0..<items.count {
            guard let key = items.key(at: Int32(row)), let v = vectors[key], v.count == d else { continue }
            found += 1
            for k in 0..<d { matrix[row, k] = v[k] }
        }
        return found > 0 ? matrix : nil
    }
}
