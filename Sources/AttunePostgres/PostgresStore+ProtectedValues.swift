import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// The key rotation's in-place rewrite of declared traits, page by page.
///
/// Each page is one transaction holding the workspace's write lock, which identify and appends
/// hold too: a page and a declaration in another process run one after the other, as they do in
/// SQLite's single writer, so a declaration is never written over with the text read before it,
/// nor resolved from a declaration the rewrite has not reached and then written behind the
/// rewrite's cursor. A page is short (its select, the caller's rewrite of its texts, and one
/// update of every changed row), so appends wait for at most one page.
///
/// Pages are keyset ranges of the primary keys, so a page costs the same at any depth; a page
/// retried after a lost COMMIT finds its texts rewritten already, which `rewrite` keeps (`nil`).
extension PostgresStore: ProtectedValueStore {
    package func rewriteDeclaredTraits(
        in workspace: WorkspaceID, batchSize: Int, _ rewrite: @escaping @Sendable (String) throws -> String?
    ) async throws -> DeclaredTraitsRewrite {
        let limit = Int64(max(1, batchSize))
        var result = DeclaredTraitsRewrite()
        // Declarations first: a declaration made meanwhile re-resolves the user's traits from them,
        // so the resolved rows, done second, are mostly under the new key already.
        var after: (user: String, source: String) = ("", "")
        while true {
            let cursor = after
            let page = try await transaction("rewrite declared traits") { [self] connection, logger -> RewritePage in
                guard let key = try await workspaceKey(workspace, connection, logger) else { return RewritePage() }
                try await Self.lockWorkspace(key, connection, logger)
                let rows = try await connection.query(
                    """
                    SELECT user_id, source, traits FROM declared_sources
                    WHERE workspace = \(key) AND (user_id, source) > (\(cursor.user), \(cursor.source))
                    ORDER BY user_id, source LIMIT \(limit)
                    """, logger: logger)
                var read = 0
                var last: (String, String)?
                var changed: (users: [String], sources: [String], texts: [String]) = ([], [], [])
                for try await (user, source, traits) in rows.decode((String, String, String).self) {
                    read += 1
                    last = (user, source)
                    // Nothing is written before every text of the page is rewritten, so a
                    // throwing rewrite leaves the page as it was (and is not a connection
                    // failure to retry).
                    let text: String?
                    do { text = try rewrite(traits) } catch { return RewritePage(failure: error) }
                    guard let text else { continue }
                    changed.users.append(user)
                    changed.sources.append(source)
                    changed.texts.append(text)
                }
                if !changed.users.isEmpty {
                    try await connection.query(
                        """
                        UPDATE declared_sources d SET traits = t.traits
                        FROM unnest(\(changed.users)::text[], \(changed.sources)::text[], \(changed.texts)::text[])
                             AS t(user_id, source, traits)
                        WHERE d.workspace = \(key) AND d.user_id = t.user_id AND d.source = t.source
                        """, logger: logger)
                }
                return RewritePage(changed: changed.users.count, lastDeclaration: read == limit ? last : nil)
            }
            if let failure = page.failure { throw failure }
            result.declarations += page.changed
            guard let last = page.lastDeclaration else { break }
            after = last
        }
        var afterUser = ""
        while true {
            let cursor = afterUser
            let page = try await transaction("rewrite resolved traits") { [self] connection, logger -> RewritePage in
                guard let key = try await workspaceKey(workspace, connection, logger) else { return RewritePage() }
                try await Self.lockWorkspace(key, connection, logger)
                let rows = try await connection.query(
                    """
                    SELECT user_id, traits FROM user_traits
                    WHERE workspace = \(key) AND user_id > \(cursor) ORDER BY user_id LIMIT \(limit)
                    """, logger: logger)
                var read = 0
                var last: String?
                var changed: (users: [String], texts: [String]) = ([], [])
                for try await (user, traits) in rows.decode((String, String).self) {
                    read += 1
                    last = user
                    let text: String?
                    do { text = try rewrite(traits) } catch { return RewritePage(failure: error) }
                    guard let text else { continue }
                    changed.users.append(user)
                    changed.texts.append(text)
                }
                if !changed.users.isEmpty {
                    try await connection.query(
                        """
                        UPDATE user_traits u SET traits = t.traits
                        FROM unnest(\(changed.users)::text[], \(changed.texts)::text[]) AS t(user_id, traits)
                        WHERE u.workspace = \(key) AND u.user_id = t.user_id
                        """, logger: logger)
                }
                return RewritePage(changed: changed.users.count, lastUser: read == limit ? last : nil)
            }
            if let failure = page.failure { throw failure }
            result.users += page.changed
            guard let last = page.lastUser else { break }
            afterUser = last
        }
        return result
    }

    /// Read in keyset pages, each its own statement, so that a large workspace stays within the
    /// operation's deadline; texts are counted as they stream in, never held all at once.
    package func declaredTraitKeyUse(
        in workspace: WorkspaceID, _ keyIDs: @escaping @Sendable (String) -> Set<String>
    ) async throws -> [String: Int] {
        try await declaredTraitKeyUse(in: workspace, pageSize: 5_000, keyIDs)
    }

    func declaredTraitKeyUse(
        in workspace: WorkspaceID, pageSize: Int, _ keyIDs: @escaping @Sendable (String) -> Set<String>
    ) async throws -> [String: Int] {
        let page = Int64(max(1, pageSize))
        var uses: [String: Int] = [:]
        var after: (user: String, source: String) = ("", "")
        while true {
            let cursor = after
            let (counted, last) = try await read("count declared trait keys") { [self] connection, logger -> ([String: Int], (String, String)?) in
                guard let key = try await workspaceKey(workspace, connection, logger) else { return ([:], nil) }
                let rows = try await connection.query(
                    """
                    SELECT user_id, source, traits FROM declared_sources
                    WHERE workspace = \(key) AND (user_id, source) > (\(cursor.user), \(cursor.source))
                    ORDER BY user_id, source LIMIT \(page)
                    """, logger: logger)
                var counted: [String: Int] = [:]
                var read: Int64 = 0
                var last: (String, String)?
                for try await (user, source, traits) in rows.decode((String, String, String).self) {
                    read += 1
                    last = (user, source)
                    for id in keyIDs(traits) { counted[id, default: 0] += 1 }
                }
                return (counted, read == page ? last : nil)
            }
            uses.merge(counted, uniquingKeysWith: +)
            guard let last else { break }
            after = last
        }
        var afterUser = ""
        while true {
            let cursor = afterUser
            let (counted, last) = try await read("count declared trait keys") { [self] connection, logger -> ([String: Int], String?) in
                guard let key = try await workspaceKey(workspace, connection, logger) else { return ([:], nil) }
                let rows = try await connection.query(
                    """
                    SELECT user_id, traits FROM user_traits
                    WHERE workspace = \(key) AND user_id > \(cursor) ORDER BY user_id LIMIT \(page)
                    """, logger: logger)
                var counted: [String: Int] = [:]
                var read: Int64 = 0
                var last: String?
                for try await (user, traits) in rows.decode((String, String).self) {
                    read += 1
                    last = user
                    for id in keyIDs(traits) { counted[id, default: 0] += 1 }
                }
                return (counted, read == page ? last : nil)
            }
            uses.merge(counted, uniquingKeysWith: +)
            guard let last else { break }
            afterUser = last
        }
        return uses
    }
}

/// What one page of the rewrite did, or the caller's error that stopped it.
private struct RewritePage: Sendable {
    var changed = 0
    var lastDeclaration: (String, String)?
    var lastUser: String?
    var failure: (any Error)?
}
