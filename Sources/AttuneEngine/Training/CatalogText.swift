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
        let (texts, found) = try await self.texts(for: log.items, from: catalogue, workspace: workspace)
        return try vectorise(texts, found: found)
    }

    /// The catalogue text of `items`, in their order (empty for items the catalogue lacks), and
    /// how many the catalogue has.
    static func texts(for items: Vocabulary<String>, from catalogue: any CatalogStore, workspace: WorkspaceID) async throws
        -> (texts: [ItemText], found: Int)
    {
        var texts: [ItemText] = []
        texts.reserveCapacity(items.count)
        var found = 0
        for start in stride(from: 0, to: items.count, by: 5_000) {
            let keys = (start..<min(start + 5_000, items.count)).compactMap { items.key(at: Int32($0)) }
            let stored = try await catalogue.items(keys.map(ItemID.init(unchecked:)), in: workspace)
            for key in keys {
                guard let item = stored[ItemID(unchecked: key)] else {
                    texts.append(ItemText())
                    continue
                }
                found += 1
                texts.append(text(of: item))
            }
        }
        return (texts, found)
    }

    static func text(of item: Item) -> ItemText {
        ItemText(title: item.title ?? "", description: item.description ?? "", categories: item.categories, tags: item.tags)
    }

    static func hasText(_ text: ItemText) -> Bool {
        !text.title.isEmpty || !text.categories.isEmpty || !text.tags.isEmpty
    }

    /// Chosen on MovieLens 100k's validation split: titles are short, so stop words carry signal.
    static var configuration: TFIDFVectorizer.Configuration {
        var configuration = TFIDFVectorizer.Configuration()
        configuration.tokenizer = .init(stopWords: [])
        configuration.categoryWeight = 2
        return configuration
    }

    static func vectorise(_ texts: [ItemText], found: Int) throws -> SparseMatrix? {
        guard found > 0, texts.contains(where: hasText) else { return nil }
        return try TFIDFVectorizer.fitTransform(documents: texts, configuration: configuration).features
    }
}
