import AttuneCore
import Logging
import PostgresNIO

/// Declared traits: each source's declaration merge-patched in Swift (PostgreSQL has no
/// `json_patch`, and `jsonb` would reorder the keys), so that both stores keep the same text.
extension PostgresStore {
    /// Merges `patch` (RFC 7396) into what `user` declared through `source`.
    /// - Returns: whether the stored declaration changed.
    static func declare(
        _ workspace: Int64, _ user: String, source: String, patch: String, at time: Int64,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT traits FROM declared_sources WHERE workspace = \(workspace) AND user_id = \(user) AND source = \(source)
            FOR UPDATE
            """, logger: logger)
        var before: String?
        for try await traits in rows.decode(String.self) { before = traits }
        let change = (try? JSONParser().parse(patch)) ?? .object([])
        guard let before else {
            let merged = JSONValue.object([]).mergePatched(with: change).serialized()
            try await connection.query(
                """
                INSERT INTO declared_sources (workspace, user_id, source, traits, first_at, updated_at)
                VALUES (\(workspace), \(user), \(source), \(merged), \(time), \(time))
                """, logger: logger)
            return true
        }
        let current = (try? JSONParser().parse(before)) ?? .object([])
        let merged = current.mergePatched(with: change).serialized()
        guard merged != before else { return false }
        try await connection.query(
            """
            UPDATE declared_sources SET traits = \(merged), updated_at = greatest(updated_at, \(time))
            WHERE workspace = \(workspace) AND user_id = \(user) AND source = \(source)
            """, logger: logger)
        return true
    }

    /// Writes `canonical`'s `user_traits` row from every member's declarations by the rule of
    /// ``DeclaredTraitsResolution`` (source priority, then the most recent); removes it when
    /// nobody declared anything.
    /// - Returns: whether the row changed.
    @discardableResult
    static func resolveDeclared(
        _ workspace: Int64, _ canonical: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> Bool {
        let members = try await members(workspace, canonical, connection, logger)
        let rows = try await connection.query(
            """
            SELECT user_id, source, traits, updated_at FROM declared_sources
            WHERE workspace = \(workspace) AND user_id = ANY(\(members)::text[])
            """, logger: logger)
        var declarations: [DeclaredTraitsResolution.Declaration] = []
        for try await (member, source, traits, updated) in rows.decode((String, String, String, Int64).self) {
            declarations.append(.init(user: member, source: source, traits: traits, updatedAt: updated))
        }
        let before = try await declaredTraits(workspace, [canonical], connection, logger)[canonical]
        let resolved = DeclaredTraitsResolution.resolve(
            declarations, priority: try await storedSourcePriority(workspace, connection, logger))
        guard resolved != before else { return false }
        if let resolved {
            try await connection.query(
                """
                INSERT INTO user_traits (workspace, user_id, traits, updated_at)
                VALUES (\(workspace), \(canonical), \(resolved), \(declarations.map(\.updatedAt).max() ?? 0))
                ON CONFLICT (workspace, user_id) DO UPDATE SET traits = excluded.traits, updated_at = excluded.updated_at
                """, logger: logger)
        } else {
            try await connection.query(
                "DELETE FROM user_traits WHERE workspace = \(workspace) AND user_id = \(canonical)", logger: logger)
        }
        return true
    }
}
