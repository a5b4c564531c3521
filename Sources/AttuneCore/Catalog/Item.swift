/// A catalogue entry. Deleting an item only marks it unavailable, so history and past events
/// keep pointing at something real.
package struct Item: Sendable, Equatable {
    package var id: ItemID
    package var title: String?
    package var description: String?
    package var categories: [String]
    package var tags: [String]
    /// Canonical JSON object text, or `nil` for none.
    package var properties: String?
    package var available: Bool
    package var createdAt: Timestamp
    package var updatedAt: Timestamp

    package init(
        id: ItemID, title: String? = nil, description: String? = nil, categories: [String] = [],
        tags: [String] = [], properties: String? = nil, available: Bool = true,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.categories = categories
        self.tags = tags
        self.properties = properties
        self.available = available
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
