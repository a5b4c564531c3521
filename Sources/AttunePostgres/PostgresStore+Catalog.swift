import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

extension PostgresStore: CatalogStore {
    /// One statement per call, whatever the number of items (one array per column, spread by
    /// `unnest`). Rows are written in id order, so two writers upserting overlapping catalogues
    /// lock the rows they share in the same order and cannot deadlock. Idempotent, hence retried.
    ///
    /// An id given twice is written as SQLite's row-by-row upsert leaves it: the last version's
    /// fields, with the first version's creation time when the item is new. A row that would not
    /// change is not rewritten, so a replay or the re-import of an unchanged catalogue writes
    /// (almost) nothing.
    package func upsert(_ items: [Item], in workspace: WorkspaceID) async throws {
        try Self.validate(items)
        let columns = ItemColumns(items)
        try await transaction("upsert items") { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            guard columns.count > 0 else { return }
            try await connection.query(
                """
                INSERT INTO items (workspace, id, title, description, categories, tags, properties, available,
                                   created_at, updated_at)
                SELECT \(key), id, title, description, categories, tags, properties, available, created_at, updated_at
                FROM unnest(
                    \(columns.ids)::text[], \(columns.titles)::text[], \(columns.descriptions)::text[],
                    \(columns.categories)::text[], \(columns.tags)::text[], \(columns.properties)::text[],
                    \(columns.available)::bool[], \(columns.created)::int8[], \(columns.updated)::int8[]
                ) AS t(id, title, description, categories, tags, properties, available, created_at, updated_at)
                ORDER BY id COLLATE "C"
                ON CONFLICT (workspace, id) DO UPDATE SET
                    title = excluded.title, description = excluded.description,
                    categories = excluded.categories, tags = excluded.tags,
                    properties = excluded.properties, available = excluded.available,
                    updated_at = excluded.updated_at
                WHERE (items.title, items.description, items.categories, items.tags, items.properties, items.available,
                       items.updated_at)
                    IS DISTINCT FROM (excluded.title, excluded.description, excluded.categories, excluded.tags,
                                      excluded.properties, excluded.available, excluded.updated_at)
                """, logger: logger)
        }
    }

    package func item(_ id: ItemID, in workspace: WorkspaceID) async throws -> Item? {
        try await read("read item") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.itemColumns) FROM items WHERE workspace = \(key) AND id = \(id.rawValue)",
                logger: logger)
            return try await Self.items(rows).first
        }
    }

    package func items(_ ids: [ItemID], in workspace: WorkspaceID) async throws -> [ItemID: Item] {
        guard !ids.isEmpty else { return [:] }
        let names = ids.map(\.rawValue)
        return try await read("read items") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [:] }
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.itemColumns) FROM items
                WHERE workspace = \(key) AND id = ANY(\(names)::text[])
                """, logger: logger)
            var found: [ItemID: Item] = [:]
            for item in try await Self.items(rows) { found[item.id] = item }
            return found
        }
    }

    package func items(in workspace: WorkspaceID, after cursor: ItemID?, limit: Int) async throws -> [Item] {
        try await read("read catalogue page") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.itemColumns) FROM items
                WHERE workspace = \(key) AND id > \(cursor?.rawValue ?? "") ORDER BY id LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            return try await Self.items(rows)
        }
    }

    package func markUnavailable(_ id: ItemID, in workspace: WorkspaceID, at time: Timestamp) async throws -> Bool {
        try await transaction("mark item unavailable") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return false }
            let rows = try await connection.query(
                """
                UPDATE items SET available = false, updated_at = \(time.millisecondsSinceEpoch)
                WHERE workspace = \(key) AND id = \(id.rawValue) RETURNING 1
                """, logger: logger)
            var changed = false
            for try await _ in rows { changed = true }
            return changed
        }
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores: such an item is refused before
    /// anything is written, naming the field.
    static func validate(_ items: [Item]) throws(AttuneError) {
        func check(_ value: String?, _ field: @autoclosure () -> String) throws(AttuneError) {
            guard let value, value.utf8.contains(0) else { return }
            throw AttuneError.invalid(field(), "must not contain a NUL character")
        }
        for (position, item) in items.enumerated() {
            try check(item.title, "items[\(position)].title")
            try check(item.description, "items[\(position)].description")
            try check(item.properties, "items[\(position)].properties")
            for (index, label) in item.categories.enumerated() {
                try check(label, "items[\(position)].categories[\(index)]")
            }
            for (index, label) in item.tags.enumerated() { try check(label, "items[\(position)].tags[\(index)]") }
        }
    }

    static let itemColumns = "id, title, description, categories, tags, properties, available, created_at, updated_at"

    static func items(_ rows: PostgresRowSequence) async throws -> [Item] {
        var items: [Item] = []
        let decoded = rows.decode((String, String?, String?, String, String, String?, Bool, Int64, Int64).self)
        for try await (id, title, description, categories, tags, properties, available, created, updated) in decoded {
            items.append(
                Item(
                    id: ItemID(unchecked: id), title: title, description: description, categories: labels(categories),
                    tags: labels(tags), properties: properties, available: available,
                    createdAt: Timestamp(millisecondsSinceEpoch: created),
                    updatedAt: Timestamp(millisecondsSinceEpoch: updated)))
        }
        return items
    }

    /// Labels are stored as a JSON array of strings, as in SQLite.
    static func labelsJSON(_ labels: [String]) -> String {
        JSONValue.array(labels.map(JSONValue.string)).serialized()
    }

    static func labels(_ text: String) -> [String] {
        guard case .array(let values)? = try? JSONParser().parse(text) else { return [] }
        return values.compactMap(\.stringValue)
    }
}

/// Items turned inside out for the `unnest` upsert, one entry per distinct id.
private struct ItemColumns: Sendable {
    var ids: [String] = []
    var titles = NullableTextArray(elements: [])
    var descriptions = NullableTextArray(elements: [])
    var categories: [String] = []
    var tags: [String] = []
    var properties = NullableTextArray(elements: [])
    var available: [Bool] = []
    var created: [Int64] = []
    var updated: [Int64] = []

    var count: Int { ids.count }

    init(_ items: [Item]) {
        var position: [ItemID: Int] = [:]
        position.reserveCapacity(items.count)
        for item in items {
            if let index = position[item.id] {
                // A later version replaces the fields; the creation time stays the first's.
                titles.elements[index] = item.title
                descriptions.elements[index] = item.description
                categories[index] = PostgresStore.labelsJSON(item.categories)
                tags[index] = PostgresStore.labelsJSON(item.tags)
                properties.elements[index] = item.properties
                available[index] = item.available
                updated[index] = item.updatedAt.millisecondsSinceEpoch
                continue
            }
            position[item.id] = ids.count
            ids.append(item.id.rawValue)
            titles.elements.append(item.title)
            descriptions.elements.append(item.description)
            categories.append(PostgresStore.labelsJSON(item.categories))
            tags.append(PostgresStore.labelsJSON(item.tags))
            properties.elements.append(item.properties)
            available.append(item.available)
            created.append(item.createdAt.millisecondsSinceEpoch)
            updated.append(item.updatedAt.millisecondsSinceEpoch)
        }
    }
}
