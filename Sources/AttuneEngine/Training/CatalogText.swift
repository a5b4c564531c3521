import AttuneCore
import AttuneML
import AttuneStore

/// Item text for the content model: title, description, categories and tags from the catalogue,
/// vectorised with TF-IDF in the model's item order.
enum CatalogText {
    /// TF-IDF rows per item of `log`, or `nil` when the catalogue has no text for any of them.
    static func features(for log: InteractionLog, from catalogue: (any CatalogStore)?, workspace: WorkspaceID) async throws
        -> SparseMatrix?
    {
        guard let catalogue, log.items.count > 0 else { return nil }
        var texts: [ItemText] = []
        texts.reserveCapacity(log.items.count)
        var found = 0
        for start in stride(from: 0, to: log.items.count, by: 5_000) {
            let keys = (start..<min(start + 5_000, log.items.count)).compactMap { log.items.key(at: Int32($0)) }
            let items = try await catalogue.items(keys.map(ItemID.init(unchecked:)), in: workspace)
            for key in keys {
                guard let item = items[ItemID(unchecked: key)] else {
                    texts.append(ItemText())
                    continue
                }
                found += 1
                texts.append(ItemText(
                    title: item.title ?? "", description: item.description ?? "", categories: item.categories, tags: item.tags))
            }
        }
        return try vectorise(texts, found: found)
    }

    static func vectorise(_ texts: [ItemText], found: Int) throws -> SparseMatrix? {
        guard found > 0, texts.contains(where: { !$0.title.isEmpty || !$0.categories.isEmpty || !$0.tags.isEmpty }) else {
            return nil
        }
        var configuration = TFIDFVectorizer.Configuration()
        // Chosen on MovieLens 100k's validation split: titles are short, so stop words carry signal.
        configuration.tokenizer = .init(stopWords: [])
        configuration.categoryWeight = 2
        return try TFIDFVectorizer.fitTransform(documents: texts, configuration: configuration).features
    }
}
