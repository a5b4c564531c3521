import AttuneCore
import GRDB

/// "Do not merge" pairs: an unmerge records the two users it split, and automatic resolution
/// (shared identifiers) never joins two groups holding such a pair again, however many imports
/// share the identifier afterwards. A manual merge of the two clears the pair: a person decided.
extension SQLiteStore {
    /// Records that `first` and `second` must not be merged automatically.
    static func blockMerge(_ workspace: Int64, _ first: String, _ second: String, merge: Int64, at time: Int64, _ db: Database)
        throws
    {
        let (a, b) = first < second ? (first, second) : (second, first)
        try db.cachedStatement(
            sql: """
                INSERT INTO merge_blocks (workspace, a, b, merge_id, at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (workspace, a, b) DO UPDATE SET merge_id = excluded.merge_id, at = excluded.at
                """
        ).execute(arguments: [workspace, a, b, merge, time])
    }

    /// The users any of `users` must not be merged with automatically.
    static func blockedPartners(_ workspace: Int64, _ users: [String], _ db: Database) throws -> Set<String> {
        var partners: Set<String> = []
        let forward = try db.cachedStatement(sql: "SELECT b FROM merge_blocks WHERE workspace = ? AND a = ?")
        let backward = try db.cachedStatement(sql: "SELECT a FROM merge_blocks WHERE workspace = ? AND b = ?")
        for user in users {
            partners.formUnion(try String.fetchAll(forward, arguments: [workspace, user]))
            partners.formUnion(try String.fetchAll(backward, arguments: [workspace, user]))
        }
        return partners
    }

    package func mergeBlocks(involving users: [UserID], in workspace: WorkspaceID) async throws -> [MergeBlock] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Self.mergeBlocks(key, users.map(\.rawValue), db)
        }
    }

    /// The pairs of any of `users`, each from the side of its member in `users`.
    static func mergeBlocks(_ workspace: Int64, _ users: [String], _ db: Database) throws -> [MergeBlock] {
        let forward = try db.cachedStatement(sql: "SELECT b, merge_id, at FROM merge_blocks WHERE workspace = ? AND a = ?")
        let backward = try db.cachedStatement(sql: "SELECT a, merge_id, at FROM merge_blocks WHERE workspace = ? AND b = ?")
        var out: [MergeBlock] = []
        for user in Set(users) {
            for statement in [forward, backward] {
                for row in try Row.fetchAll(statement, arguments: [workspace, user]) {
                    out.append(
                        MergeBlock(
                            user: UserID(unchecked: user), other: UserID(unchecked: row[0]), merge: row[1],
                            at: Timestamp(millisecondsSinceEpoch: row[2])))
                }
            }
        }
        return out.sorted { ($0.user.rawValue, $0.other.rawValue) < ($1.user.rawValue, $1.other.rawValue) }
    }

    /// Whether the workspace has any pair at all: attaching identifiers looks pairs up only then.
    static func hasMergeBlocks(_ workspace: Int64, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM merge_blocks WHERE workspace = ?)"),
            arguments: [workspace]) ?? false
    }

    /// Removes every pair between members of different groups among `canonicals` (a manual merge
    /// of them). Pairs inside one group cannot exist: nothing merges across a pair but this.
    static func clearMergeBlocks(_ workspace: Int64, among canonicals: [String], _ db: Database) throws {
        var everyone: [String] = []
        for canonical in canonicals { everyone += try members(workspace, canonical, db) }
        let all = Set(everyone)
        let forward = try db.cachedStatement(sql: "SELECT b FROM merge_blocks WHERE workspace = ? AND a = ?")
        let delete = try db.cachedStatement(sql: "DELETE FROM merge_blocks WHERE workspace = ? AND a = ? AND b = ?")
        for user in everyone {
            for partner in try String.fetchAll(forward, arguments: [workspace, user]) where all.contains(partner) {
                try delete.execute(arguments: [workspace, user, partner])
            }
        }
    }
}
