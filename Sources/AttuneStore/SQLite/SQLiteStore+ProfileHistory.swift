import AttuneCore
import GRDB
import GRDBSQLite

extension SQLiteStore {
    package func profileHistory(of user: UserID, in workspace: WorkspaceID, before version: Int?, limit: Int) async throws
        -> [ProfileVersion]
    {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Self.history(key, user.rawValue, before: version, limit: limit, db)
        }
    }

    static func history(_ workspace: Int64, _ user: String, before version: Int?, limit: Int, _ db: Database) throws
        -> [ProfileVersion]
    {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT version, at, cause, detail FROM profile_history
                WHERE workspace = ? AND user_id = ? AND version < ? ORDER BY version DESC LIMIT ?
                """,
            arguments: [workspace, user, version.map(Int64.init) ?? Int64.max, limit])
        return rows.map { row in
            ProfileVersion(
                version: row[0], at: Timestamp(millisecondsSinceEpoch: row[1]),
                // Only this file writes the column, from the enum.
                cause: ProfileVersion.Cause(rawValue: row[2]) ?? .event, detail: row[3])
        }
    }

    /// The insert of a history row, prepared once by a batch of saves and handed to each `recordVersion`.
    static func historyStatement(_ db: Database) throws -> Statement {
        try db.cachedStatement(
            sql: "INSERT INTO profile_history (workspace, user_id, version, at, cause, detail) VALUES (?, ?, ?, ?, ?, ?)")
    }

    /// Writes the history row of a profile save, in its transaction; raw stepping like the save.
    static func recordVersion(
        _ workspace: Int64, _ user: String, version: Int, at time: Int64, cause: ProfileVersion.Cause, detail: String,
        _ db: Database, using prepared: Statement? = nil
    ) throws {
        let statement = try prepared ?? historyStatement(db)
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, workspace)
        bindText(s, 2, user)
        sqlite3_bind_int64(s, 3, Int64(version))
        sqlite3_bind_int64(s, 4, time)
        bindText(s, 5, cause.rawValue)
        bindText(s, 6, detail)
        let code = sqlite3_step(s)
        sqlite3_reset(s)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    /// A change of declared attributes is a new version of an existing profile (cause `patch`,
    /// detail the patched keys); a user without a computed profile has no version to bump.
    static func recordDeclaredChange(_ workspace: Int64, _ user: String, patch: String, at time: Int64, _ db: Database)
        throws
    {
        guard let version = try Int.fetchOne(
            db, sql: "SELECT version FROM profiles WHERE workspace = ? AND user_id = ?", arguments: [workspace, user])
        else { return }
        try db.execute(
            sql: "UPDATE profiles SET version = ? WHERE workspace = ? AND user_id = ?",
            arguments: [version + 1, workspace, user])
        try recordVersion(
            workspace, user, version: version + 1, at: time, cause: .patch, detail: ProfileChanges.declared(patch: patch), db)
    }
}

extension SQLiteStore {
    /// The version a save makes: one past the stored profile's or, with no profile row (a new
    /// user, or one whose profile a withdrawal of personalization consent removed), one past the
    /// last recorded version, so that a version number never repeats in the history.
    static func nextVersion(after stored: StoredProfile?, _ workspace: Int64, _ user: String, _ db: Database) throws -> Int {
        if let stored { return stored.version + 1 }
        let statement = try db.cachedStatement(
            sql: "SELECT MAX(version) FROM profile_history WHERE workspace = ? AND user_id = ?")
        return (try Int.fetchOne(statement, arguments: [workspace, user]) ?? 0) + 1
    }
}
