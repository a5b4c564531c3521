import AttuneCore

/// The item catalogue.
package protocol CatalogStore: Sendable {
    /// Inserts or replaces items; an existing item keeps its creation time.
    func upsert(_ items: [Item], in workspace: WorkspaceID) async throws

    func item(_ id: ItemID, in workspace: WorkspaceID) async throws -> Item?

    /// The stored items among `ids` (unknown ids are left out), keyed by id.
    func items(_ ids: [ItemID], in workspace: WorkspaceID) async throws -> [ItemID: Item]

    /// Items ordered by id, after `cursor` (an item id), at most `limit`.
    func items(in workspace: WorkspaceID, after cursor: ItemID?, limit: Int) async throws -> [Item]

    /// Marks an item unavailable, keeping it and its history. Returns `false` for an unknown id.
    func markUnavailable(_ id: ItemID, in workspace: WorkspaceID, at time: Timestamp) async throws -> Bool
}

extension CatalogStore {
    /// The whole catalogue of `workspace`, ordered by id, read in pages of `pageSize`.
    package func allItems(in workspace: WorkspaceID, pageSize: Int = 1_000) async throws -> [Item] {
        var items: [Item] = []
        var cursor: ItemID?
        while true {
            let page = try await self.items(in: workspace, after: cursor, limit: pageSize)
            items.append(contentsOf: page)
            guard let last = page.last, page.count == pageSize else { return items }
            cursor = last.id
        }
    }
}
