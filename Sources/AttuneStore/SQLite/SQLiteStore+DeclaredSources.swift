import AttuneCore
import GRDB

extension SQLiteStore {
    /// The canonical user of `user`: the one it was merged into, or itself.
    static func canonical(_ workspace: Int64, _ user: String, _ db: Database) throws -> String {
        let statement = try db.cachedStatement(
            sql: "SELECT canonical FROM user_aliases WHERE workspace = ? AND alias = ?")
        return try String.fetchOne(statement, arguments: [workspace, user]) ?? user
    }

    /// Whether anyone in the workspace was ever merged: ingestion looks aliases up only then.
    static func hasAliases(_ workspace: Int64, _ db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM user_aliases WHERE workspace = ?)")
        return try Bool.fetchOne(statement, arguments: [workspace]) ?? false
    }

    /// `canonical` and the users merged into it, canonical first, then in id order.
    static func members(_ workspace: Int64, _ canonical: String, _ db: Database) throws -> [String] {
        let aliases = try String.fetchAll(
            db.cachedStatement(
                sql: "SELECT alias FROM user_aliases WHERE workspace = ? AND canonical = ? ORDER BY alias"),
            arguments: [workspace, canonical])
        return [canonical] + aliases
    }

    static func storedSourcePriority(_ workspace: Int64, _ db: Database) throws -> [String] {
        guard
            let text = try String.fetchOne(
                db.cachedStatement(sql: "SELECT sources FROM source_priority WHERE workspace = ?"),
                arguments: [workspace])
        else { return [] }
        return text.split(separator: ",").map(String.init)
    }

    /// Merges `patch` (RFC 7396) into what `user` declared through `source`.
    /// - Returns: whether the stored declaration changed.
    static func declare(
        _ workspace: Int64, _ user: String, source: String, patch: String, at time: Int64, _ db: Database
    ) throws -> Bool {
        let before = try String.fetchOne(
            db.cachedStatement(
                sql: "SELECT traits FROM declared_sources WHERE workspace = ? AND user_id = ? AND source = ?"),
            arguments: [workspace, user, source])
        // The call's own text is patched in: `excluded.traits` has had its nulls applied to '{}'
        // already, which would leave them nothing to remove.
        try db.cachedStatement(
            sql: """
                INSERT INTO declared_sources (workspace, user_id, source, traits, first_at, updated_at)
                VALUES (?, ?, ?, json_patch('{}', ?), ?, ?)
                ON CONFLICT (workspace, user_id, source) DO UPDATE SET
                    traits = json_patch(traits, ?),
                    updated_at = CASE WHEN json_patch(traits, ?) = traits THEN updated_at
                                      ELSE max(updated_at, excluded.updated_at) END
                """
        ).execute(arguments: [workspace, user, source, patch, time, time, patch, patch])
        let after = try String.fetchOne(
            db.cachedStatement(
                sql: "SELECT traits FROM declared_sources WHERE workspace = ? AND user_id = ? AND source = ?"),
            arguments: [workspace, user, source])
        return before != after
    }

    /// Writes `canonical`'s `user_traits` row from every member's declarations by the rule of
    /// ``DeclaredTraitsResolution``; removes it when nobody declared anything.
    /// - Returns: whether the row changed.
    @discardableResult
    static func resolveDeclared(_ workspace: Int64, _ canonical: String, _ db: Database) throws -> Bool {
        let members = try members(workspace, canonical, db)
        var declarations: [DeclaredTraitsResolution.Declaration] = []
        try forEachRow(
            db, select: "user_id, source, traits, updated_at", from: "declared_sources", key: "user_id",
            workspace: workspace, in: members
        ) { row in
            declarations.append(.init(user: row[0], source: row[1], traits: row[2], updatedAt: row[3]))
        }
        let before = try String.fetchOne(
            db.cachedStatement(sql: "SELECT traits FROM user_traits WHERE workspace = ? AND user_id = ?"),
            arguments: [workspace, canonical])
        let resolved = DeclaredTraitsResolution.resolve(declarations, priority: try storedSourcePriority(workspace, db))
        guard resolved != before else { return false }
        if let resolved {
            try db.cachedStatement(
                sql: """
                    INSERT INTO user_traits (workspace, user_id, traits, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (workspace, user_id) DO UPDATE SET traits = excluded.traits, updated_at = excluded.updated_at
                    """
            ).execute(arguments: [workspace, canonical, resolved, declarations.map(\.updatedAt).max() ?? 0])
        } else {
            try db.cachedStatement(sql: "DELETE FROM user_traits WHERE workspace = ? AND user_id = ?")
                .execute(arguments: [workspace, canonical])
        }
        return true
    }
}
