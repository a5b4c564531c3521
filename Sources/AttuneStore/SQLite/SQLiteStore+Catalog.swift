import AttuneCore
import GRDB

extension SQLiteStore: CatalogStore {
    package func upsert(_ items: [Item], in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO items (workspace, id, title, description, categories, tags, properties, available,
                                       created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (workspace, id) DO UPDATE SET
                        title = excluded.title, description = excluded.description,
                        categories = excluded.categories, tags = excluded.tags,
                        properties = excluded.properties, available = excluded.available,
                        updated_at = excluded.updated_at
                    """)
            for item in items {
                try statement.execute(arguments: [
                    key, item.id.rawValue, item.title, item.description,
                    Self.labelsJSON(item.categories), Self.labelsJSON(item.tags), item.properties, item.available,
                    item.createdAt.millisecondsSinceEpoch, item.updatedAt.millisecondsSinceEpoch,
                ])
            }
        }
    }

    package func item(_ id: ItemID, in workspace: WorkspaceID) async throws -> Item? {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            return try Row.fetchOne(
                db, sql: "SELECT * FROM items WHERE workspace = ? AND id = ?", arguments: [key, id.rawValue]
            ).map(Self.item)
        }
    }

    package func items(_ ids: [ItemID], in workspace: WorkspaceID) async throws -> [ItemID: Item] {
        guard !ids.isEmpty else { return [:] }
        return try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [:] }
            var found: [ItemID: Item] = [:]
            try Self.forEachRow(db, select: "*", from: "items", key: "id", workspace: key, in: ids.map(\.rawValue)) { row in
                let item = Self.item(row)
                found[item.id] = item
            }
            return found
        }
    }

    package func items(in workspace: WorkspaceID, after cursor: ItemID?, limit: Int) async throws -> [Item] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM items WHERE workspace = ? AND id > ? ORDER BY id LIMIT ?",
                arguments: [key, cursor?.rawValue ?? "", limit]
            ).map(Self.item)
        }
    }

    package func markUnavailable(_ id: ItemID, in workspace: WorkspaceID, at time: Timestamp) async throws -> Bool {
        try await writer.write { db in
            guard let key = try self.workspaceKey(workspace, db) else { return false }
            try db.execute(
                sql: "UPDATE items SET available = 0, updated_at = ? WHERE workspace = ? AND id = ?",
                arguments: [time.millisecondsSinceEpoch, key, id.rawValue])
            return db.changesCount > 0
        }
    }

    static func labelsJSON(_ labels: [String]) -> String {
        JSONValue.array(labels.map(JSONValue.string)).serialized()
    }

    static func labels(_ text: String) -> [String] {
        guard case .array(let values)? = try? JSONParser().parse(text) else { return [] }
        return values.compactMap(\.stringValue)
    }

    static func item(_ row: Row) -> Item {
        Item(
            id: ItemID(unchecked: row["id"]),
            title: row["title"],
            description: row["description"],
            categories: labels(row["categories"]),
            tags: labels(row["tags"]),
            properties: row["properties"],
            available: row["available"],
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"]))
    }
}
