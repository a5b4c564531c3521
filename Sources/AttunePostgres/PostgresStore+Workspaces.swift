import AttuneCore
import AttuneStore
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore: WorkspaceStore {
    package func createWorkspace(_ id: WorkspaceID, at time: Timestamp) async throws {
        // Not idempotent: replayed after a COMMIT whose answer was lost it would report a
        // conflict for the workspace it had just created, so that case is reported instead.
        try await transaction("create workspace", idempotent: false) { connection, logger in
            let rows = try await connection.query(
                """
                INSERT INTO workspaces (name, created_at) VALUES (\(id.rawValue), \(time.millisecondsSinceEpoch))
                ON CONFLICT (name) DO NOTHING RETURNING pk
                """, logger: logger)
            var created = false
            for try await _ in rows { created = true }
            if !created { throw AttuneError(code: .conflict, message: "workspace already exists", field: "workspace") }
        }
    }

    package func ensureWorkspace(_ id: WorkspaceID, at time: Timestamp) async throws {
        try await transaction("ensure workspace") { connection, logger in
            try await connection.query(
                """
                INSERT INTO workspaces (name, created_at) VALUES (\(id.rawValue), \(time.millisecondsSinceEpoch))
                ON CONFLICT (name) DO NOTHING
                """, logger: logger)
        }
    }

    package func workspaces() async throws -> [WorkspaceID] {
        try await read("list workspaces") { connection, logger in
            var names: [WorkspaceID] = []
            // COLLATE "C": byte order, as SQLite and Swift sort, whatever the database's locale.
            let rows = try await connection.query("SELECT name FROM workspaces ORDER BY name COLLATE \"C\"", logger: logger)
            for try await name in rows.decode(String.self) { names.append(WorkspaceID(unchecked: name)) }
            return names
        }
    }

    package func addKey(_ key: APIKeyRecord) async throws {
        try await transaction("add API key") { [self] connection, logger in
            let workspace = try await requireWorkspace(key.workspace, connection, logger)
            try await connection.query(
                """
                INSERT INTO api_keys (id, workspace, scope, digest, label, created_at, revoked_at, rate)
                VALUES (\(key.id), \(workspace), \(key.scope.rawValue), \(ByteBuffer(bytes: key.digest)), \(key.label),
                        \(key.createdAt.millisecondsSinceEpoch), \(key.revokedAt?.millisecondsSinceEpoch), \(key.rate))
                ON CONFLICT (digest) DO UPDATE SET revoked_at = NULL
                """, logger: logger)
        }
    }

    package func keys() async throws -> [APIKeyRecord] {
        try await read("list API keys") { connection, logger in
            let rows = try await connection.query(
                """
                SELECT k.id, w.name, k.scope, k.digest, k.label, k.created_at, k.revoked_at, k.rate
                FROM api_keys k JOIN workspaces w ON w.pk = k.workspace
                ORDER BY w.name COLLATE "C", k.created_at, k.id COLLATE "C"
                """, logger: logger)
            return try await Self.keyRecords(rows)
        }
    }

    package func revokeKeys(labelled label: String, in workspace: WorkspaceID, at time: Timestamp) async throws {
        try await transaction("revoke API keys") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return }
            try await connection.query(
                """
                UPDATE api_keys SET revoked_at = \(time.millisecondsSinceEpoch)
                WHERE workspace = \(key) AND label = \(label) AND revoked_at IS NULL
                """, logger: logger)
        }
    }

    package func revokeKey(id: String, at time: Timestamp) async throws -> APIKeyRecord? {
        try await transaction("revoke API key") { connection, logger in
            try await connection.query(
                "UPDATE api_keys SET revoked_at = \(time.millisecondsSinceEpoch) WHERE id = \(id) AND revoked_at IS NULL",
                logger: logger)
            let rows = try await connection.query(
                """
                SELECT k.id, w.name, k.scope, k.digest, k.label, k.created_at, k.revoked_at, k.rate
                FROM api_keys k JOIN workspaces w ON w.pk = k.workspace WHERE k.id = \(id)
                """, logger: logger)
            return try await Self.keyRecords(rows).first
        }
    }

    /// Event, user, visitor and item counts; users are persons, a merged id counting for the
    /// person it became part of, as on SQLite.
    package func stats(of workspace: WorkspaceID) async throws -> StoreStats {
        try await read("read stats") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return StoreStats() }
            let rows = try await connection.query(
                """
                SELECT coalesce((SELECT events FROM workspace_counters WHERE workspace = \(key)), 0),
                       coalesce((SELECT withheld FROM workspace_counters WHERE workspace = \(key)), 0),
                       (SELECT count(DISTINCT coalesce(m.canonical, a.actor_id)) FROM actors a
                        LEFT JOIN user_aliases m ON m.workspace = a.workspace AND m.alias = a.actor_id
                        WHERE a.workspace = \(key) AND NOT a.anonymous),
                       (SELECT count(*) FROM actors WHERE workspace = \(key) AND anonymous),
                       (SELECT count(*) FROM items WHERE workspace = \(key)),
                       (SELECT count(*) FROM items WHERE workspace = \(key) AND available)
                """, logger: logger)
            var stats = StoreStats()
            let decoded = rows.decode((Int64, Int64, Int64, Int64, Int64, Int64).self)
            for try await (events, withheld, users, anonymous, items, available) in decoded {
                stats = StoreStats(
                    events: Int(events), users: Int(users), anonymousVisitors: Int(anonymous), items: Int(items),
                    availableItems: Int(available), withheldEvents: Int(withheld))
            }
            return stats
        }
    }

    private static func keyRecords(_ rows: PostgresRowSequence) async throws -> [APIKeyRecord] {
        var records: [APIKeyRecord] = []
        let decoded = rows.decode((String, String, String, ByteBuffer, String, Int64, Int64?, Double?).self)
        for try await (id, workspace, scope, digest, label, created, revoked, rate) in decoded {
            records.append(APIKeyRecord(
                id: id, workspace: WorkspaceID(unchecked: workspace),
                // An unreadable scope falls to the least privilege rather than failing every key.
                scope: AccessScope(rawValue: scope) ?? .write, digest: Array(digest.readableBytesView), label: label,
                createdAt: Timestamp(millisecondsSinceEpoch: created),
                revokedAt: revoked.map(Timestamp.init(millisecondsSinceEpoch:)), rate: rate))
        }
        return records
    }

    /// The row key of a workspace, cached; `nil` if it does not exist.
    func workspaceKey(_ id: WorkspaceID, _ connection: PostgresConnection, _ logger: Logger) async throws -> Int64? {
        if let cached = workspaceKeys.withLock({ $0[id] }) { return cached }
        let rows = try await connection.query("SELECT pk FROM workspaces WHERE name = \(id.rawValue)", logger: logger)
        var found: Int64?
        for try await pk in rows.decode(Int64.self) { found = pk }
        guard let found else { return nil }
        workspaceKeys.withLock { $0[id] = found }
        return found
    }

    func requireWorkspace(_ id: WorkspaceID, _ connection: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        guard let key = try await workspaceKey(id, connection, logger) else { throw AttuneError.notFound("workspace") }
        return key
    }
}
