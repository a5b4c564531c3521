import AttuneCore
import GRDB

extension SQLiteStore: IdentityStore {
    package func record(_ identify: Identify, in workspace: WorkspaceID) async throws {
        try await record([identify], in: workspace)
    }

    package func record(_ identifies: [Identify], in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            let aliased = try Self.hasAliases(key, db)
            for identify in identifies {
                // A merged user's id stands for the person: links and traits go to the canonical
                // user, while the declaration stays recorded under the id it was made for.
                let named = identify.userID.rawValue
                let user = aliased ? try Self.canonical(key, named, db) : named
                if let anonymous = identify.anonymousID {
                    try db.execute(
                        sql: """
                            INSERT INTO identities (workspace, user_id, anonymous_id, linked_at) VALUES (?, ?, ?, ?)
                            ON CONFLICT DO NOTHING
                            """,
                        arguments: [key, user, anonymous.rawValue, identify.timestamp.millisecondsSinceEpoch])
                    // A new link brings the visitor's earlier activity into the profile.
                    if db.changesCount > 0, self.maintainsProfiles,
                        try self.consentEntry(key, db).permits(.personalization, for: user)
                    {
                        try Self.refoldProfile(
                            key, user, linking: anonymous.rawValue, at: identify.timestamp.millisecondsSinceEpoch, db)
                    }
                }
                if let traits = identify.traits {
                    // Re-sending what is declared already is no change and makes no version.
                    let at = identify.timestamp.millisecondsSinceEpoch
                    if try Self.declare(key, named, source: identify.source, patch: traits, at: at, db),
                        try Self.resolveDeclared(key, user, db), self.maintainsProfiles
                    {
                        try Self.recordDeclaredChange(key, user, patch: traits, at: at, db)
                    }
                }
                // Declared traits and a linked visitor's history both feed segment rules.
                if self.maintainsProfiles {
                    try self.reevaluateSegments([user], workspace: key, now: identify.timestamp.millisecondsSinceEpoch, db)
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
