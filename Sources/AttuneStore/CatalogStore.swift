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
