import AttuneCore
import GRDB

extension SQLiteStore: ProtectedValueStore {
    package func rewriteDeclaredTraits(
        in workspace: WorkspaceID, batchSize: Int, _ rewrite: @escaping @Sendable (String) throws -> String?
    ) async throws -> DeclaredTraitsRewrite {
        let limit = max(1, batchSize)
        var result = DeclaredTraitsRewrite()
        // Declarations first: a declaration made meanwhile re-resolves the user's traits from them,
        // so the resolved rows, done second, are mostly under the new key already.
        var cursor = ("", "")
        while true {
            let after = cursor
            let (changed, last) = try await writer.write { db -> (Int, (String, String)?) in
                guard let key = try self.workspaceKey(workspace, db) else { return (0, nil) }
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT user_id, source, traits FROM declared_sources
                        WHERE workspace = ? AND (user_id, source) > (?, ?) ORDER BY user_id, source LIMIT ?
                        """,
                    arguments: [key, after.0, after.1, limit])
                var changed = 0
                for row in rows {
                    guard let text = try rewrite(row[2]) else { continue }
                    try db.execute(
                        sql: "UPDATE declared_sources SET traits = ? WHERE workspace = ? AND user_id = ? AND source = ?",
                        arguments: [text, key, row[0], row[1]])
                    changed += 1
                }
                return (changed, rows.count == limit ? rows.last.map { ($0[0], $0[1]) } : nil)
            }
            result.declarations += changed
            guard let last else { break }
            cursor = last
        }
        var user = ""
        while true {
            let after = user
            let (changed, last) = try await writer.write { db -> (Int, String?) in
                guard let key = try self.workspaceKey(workspace, db) else { return (0, nil) }
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT user_id, traits FROM user_traits WHERE workspace = ? AND user_id > ? ORDER BY user_id LIMIT ?",
                    arguments: [key, after, limit])
                var changed = 0
                for row in rows {
                    guard let text = try rewrite(row[1]) else { continue }
                    try db.execute(
                        sql: "UPDATE user_traits SET traits = ? WHERE workspace = ? AND user_id = ?",
                        arguments: [text, key, row[0]])
                    changed += 1
                }
                return (changed, rows.count == limit ? rows.last.map { $0[0] } : nil)
            }
            result.users += changed
            guard let last else { break }
            user = last
        }
        return result
    }

    package func declaredTraitKeyUse(
        in workspace: WorkspaceID, _ keyIDs: @escaping @Sendable (String) -> Set<String>
    ) async throws -> [String: Int] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [:] }
            var uses: [String: Int] = [:]
            for table in ["declared_sources", "user_traits"] {
                let texts = try String.fetchCursor(db, sql: "SELECT traits FROM \(table) WHERE workspace = ?", arguments: [key])
                while let text = try texts.next() {
                    for id in keyIDs(text) { uses[id, default: 0] += 1 }
                }
            }
            return uses
        }
    }
}
