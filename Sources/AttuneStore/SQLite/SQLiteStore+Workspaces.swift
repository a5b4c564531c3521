import AttuneCore
import Foundation
import GRDB

extension SQLiteStore: WorkspaceStore {
    package func createWorkspace(_ id: WorkspaceID, at time: Timestamp) async throws {
        try await writer.write { db in
            if try self.workspaceKey(id, db) != nil {
                throw AttuneError(code: .conflict, message: "workspace already exists", field: "workspace")
            }
            try db.execute(
                sql: "INSERT INTO workspaces (name, created_at) VALUES (?, ?)",
                arguments: [id.rawValue, time.millisecondsSinceEpoch])
        }
    }

    package func ensureWorkspace(_ id: WorkspaceID, at time: Timestamp) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO workspaces (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [id.rawValue, time.millisecondsSinceEpoch])
        }
    }

    package func workspaces() async throws -> [WorkspaceID] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM workspaces ORDER BY name").map(WorkspaceID.init(unchecked:))
        }
    }

    package func addKey(_ key: APIKeyRecord) async throws {
        try await writer.write { db in
            let workspace = try self.requireWorkspace(key.workspace, db)
            try db.execute(
                sql: """
                    INSERT INTO api_keys (id, workspace, scope, digest, label, created_at, revoked_at, rate)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (digest) DO UPDATE SET revoked_at = NULL
                    """,
                arguments: [key.id, workspace, key.scope.rawValue, Data(key.digest), key.label,
                            key.createdAt.millisecondsSinceEpoch, key.revokedAt?.millisecondsSinceEpoch, key.rate])
        }
    }

    package func keys() async throws -> [APIKeyRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT k.*, w.name AS workspace_name FROM api_keys k JOIN workspaces w ON w.pk = k.workspace
                    ORDER BY w.name, k.created_at, k.id
                    """
            ).map(Self.keyRecord)
        }
    }

    package func revokeKey(id: String, at time: Timestamp) async throws -> APIKeyRecord? {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [time.millisecondsSinceEpoch, id])
            return try Row.fetchOne(
                db,
                sql: "SELECT k.*, w.name AS workspace_name FROM api_keys k JOIN workspaces w ON w.pk = k.workspace WHERE k.id = ?",
                arguments: [id]
            ).map(Self.keyRecord)
        }
    }

    private static func keyRecord(_ row: Row) -> APIKeyRecord {
        let digest: Data = row["digest"]
        let revoked: Int64? = row["revoked_at"]
        return APIKeyRecord(
            id: row["id"],
            workspace: WorkspaceID(unchecked: row["workspace_name"]),
            // An unreadable scope falls to the least privilege rather than failing every key.
            scope: AccessScope(rawValue: row["scope"]) ?? .write,
            digest: Array(digest),
            label: row["label"],
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            revokedAt: revoked.map(Timestamp.init(millisecondsSinceEpoch:)),
            rate: row["rate"])
    }

    package func revokeKeys(labelled label: String, in workspace: WorkspaceID, at time: Timestamp) async throws {
        try await writer.write { db in
            guard let key = try self.workspaceKey(workspace, db) else { return }
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE workspace = ? AND label = ? AND revoked_at IS NULL",
                arguments: [time.millisecondsSinceEpoch, key, label])
        }
    }

    package func stats(of workspace: WorkspaceID) async throws -> StoreStats {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return StoreStats() }
            let counters = try Row.fetchOne(
                db, sql: "SELECT events, withheld FROM workspace_counters WHERE workspace = ?", arguments: [key])
            let events: Int = counters?[0] ?? 0
            let withheld: Int = counters?[1] ?? 0
            // Persons, not ids: a merged id's activity counts for the person it became part of.
            let users = try Int.fetchOne(
                db,
                sql: try Self.hasAliases(key, db)
                    ? """
                    SELECT count(DISTINCT coalesce(m.canonical, a.actor_id)) FROM actors a
                    LEFT JOIN user_aliases m ON m.workspace = a.workspace AND m.alias = a.actor_id
                    WHERE a.workspace = ? AND a.anonymous = 0
                    """
                    : "SELECT count(*) FROM actors WHERE workspace = ? AND anonymous = 0",
                arguments: [key]) ?? 0
            let anonymous = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM actors WHERE workspace = ? AND anonymous = 1", arguments: [key]) ?? 0
            let items = try Int.fetchOne(db, sql: "SELECT count(*) FROM items WHERE workspace = ?", arguments: [key]) ?? 0
            let available = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM items WHERE workspace = ? AND available = 1", arguments: [key]) ?? 0
            return StoreStats(
                events: events, users: users, anonymousVisitors: anonymous, items: items, availableItems: available,
                withheldEvents: withheld)
        }
    }
}
