import AttuneCore
import GRDB

extension SQLiteStore: IdentityStore {
    package func record(_ identify: Identify, in workspace: WorkspaceID) async throws {
        try await record([identify], in: workspace)
    }

    package func record(_ identifies: [Identify], in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            for identify in identifies {
                if let anonymous = identify.anonymousID {
                    try db.execute(
                        sql: """
                            INSERT INTO identities (workspace, user_id, anonymous_id, linked_at) VALUES (?, ?, ?, ?)
                            ON CONFLICT DO NOTHING
                            """,
                        arguments: [key, identify.userID.rawValue, anonymous.rawValue,
                                    identify.timestamp.millisecondsSinceEpoch])
                    // A new link brings the visitor's earlier activity into the profile.
                    if db.changesCount > 0, self.maintainsProfiles,
                        try self.consentEntry(key, db).permits(.personalization, for: identify.userID.rawValue)
                    {
                        try Self.refoldProfile(
                            key, identify.userID.rawValue, linking: anonymous.rawValue,
                            at: identify.timestamp.millisecondsSinceEpoch, db)
                    }
                }
                if let traits = identify.traits {
                    // RFC 7396 merge: later calls overwrite keys, a null removes one. The stored
                    // row is patched with the call's own text: `excluded.traits` has had its nulls
                    // applied to '{}' already, which would leave them nothing to remove.
                    try db.execute(
                        sql: """
                            INSERT INTO user_traits (workspace, user_id, traits, updated_at)
                            VALUES (?, ?, json_patch('{}', ?), ?)
                            ON CONFLICT (workspace, user_id) DO UPDATE SET
                                traits = json_patch(traits, ?),
                                updated_at = max(updated_at, excluded.updated_at)
                            """,
                        arguments: [key, identify.userID.rawValue, traits, identify.timestamp.millisecondsSinceEpoch, traits])
                    if self.maintainsProfiles {
                        try Self.recordDeclaredChange(
                            key, identify.userID.rawValue, patch: traits, at: identify.timestamp.millisecondsSinceEpoch, db)
                    }
                }
                // Declared traits and a linked visitor's history both feed segment rules.
                if self.maintainsProfiles {
                    try self.reevaluateSegments(
                        [identify.userID.rawValue], workspace: key, now: identify.timestamp.millisecondsSinceEpoch, db)
                }
            }
        }
    }

    package func anonymousIDs(of user: UserID, in workspace: WorkspaceID) async throws -> [AnonymousID] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try String.fetchAll(
                db,
                sql: "SELECT anonymous_id FROM identities WHERE workspace = ? AND user_id = ? ORDER BY linked_at, anonymous_id",
                arguments: [key, user.rawValue]
            ).map(AnonymousID.init(unchecked:))
        }
    }

    package func traits(of user: UserID, in workspace: WorkspaceID) async throws -> String? {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            return try String.fetchOne(
                db, sql: "SELECT traits FROM user_traits WHERE workspace = ? AND user_id = ?",
                arguments: [key, user.rawValue])
        }
    }

    package func traits(in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws
        -> [(user: UserID, traits: String)]
    {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Row.fetchAll(
                db,
                sql: "SELECT user_id, traits FROM user_traits WHERE workspace = ? AND user_id > ? ORDER BY user_id LIMIT ?",
                arguments: [key, cursor?.rawValue ?? "", limit]
            ).map { (UserID(unchecked: $0["user_id"]), $0["traits"]) }
        }
    }

    package func users(linkedTo anonymous: AnonymousID, in workspace: WorkspaceID) async throws -> [UserID] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Self.linkedUsers(key, anonymous.rawValue, db).map(UserID.init(unchecked:))
        }
    }

    static func linkedUsers(_ workspace: Int64, _ anonymous: String, _ db: Database) throws -> [String] {
        let statement = try db.cachedStatement(
            sql: "SELECT user_id FROM identities WHERE workspace = ? AND anonymous_id = ? ORDER BY user_id")
        return try String.fetchAll(statement, arguments: [workspace, anonymous])
    }
}
