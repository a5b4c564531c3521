import AttuneCore
import AttuneEngine
import Logging
import PostgresNIO

extension PostgresModelStore {
    /// Deletes the published versions of `workspace` older than its newest `keepNewest`, except the
    /// pinned one and those in `alsoKeep` (the version a trainer's registry serves, which may be an
    /// older one when the newest was refused), with their files and chunks. Replicas delete their
    /// copies at their next catching-up (``PostgresModelChannel``).
    /// - Parameter token: the leader's term when the leader prunes: refused once a later term has
    ///   begun (``LeaderTerms``), so that an old leader cannot delete what its successor serves.
    /// - Returns: the versions deleted, oldest first.
    /// - Throws: `conflict` when the term was superseded; `storage_error`.
    @discardableResult
    package func prune(
        in workspace: WorkspaceID, keepNewest: Int, alsoKeep: Set<Int> = [], fencedBy token: FencingToken? = nil
    ) async throws -> [Int] {
        let keep = Int64(max(keepNewest, 1))
        let kept = alsoKeep.map { Int32(clamping: $0) }
        let announcement = "\(workspace.rawValue)/prune"
        return try await store.transaction("prune models") { [store] connection, logger -> [Int] in
            if let token { try await LeaderTerms.check(token, on: connection, logger: logger) }
            guard let key = try await store.workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                DELETE FROM model_versions v
                WHERE v.workspace = \(key)
                  AND v.version < (SELECT min(version) FROM (
                      SELECT version FROM model_versions WHERE workspace = \(key) ORDER BY version DESC LIMIT \(keep)) newest)
                  AND NOT EXISTS (SELECT 1 FROM model_pins p WHERE p.workspace = v.workspace AND p.version = v.version)
                  AND NOT (v.version = ANY(\(kept)))
                RETURNING v.version
                """, logger: logger)
            var deleted: [Int] = []
            for try await version in rows.decode(Int32.self) { deleted.append(Int(version)) }
            if !deleted.isEmpty {
                try await connection.query("SELECT pg_notify(\(Self.channel), \(announcement))", logger: logger)
            }
            return deleted.sorted()
        }
    }
}
