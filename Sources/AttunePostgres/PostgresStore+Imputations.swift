import AttuneCore
import AttuneStore
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore: ImputationStore {
    /// The run's values go in one statement. Runs in one workspace take its imputations lock
    /// before deleting: two workers replacing one attribute at once would otherwise each delete
    /// only the rows committed before they started and then collide on each other's rows; with
    /// the lock the later run supersedes the earlier whole, as on SQLite.
    ///
    /// Reads `profiles` and `erased_users`, which the profile and erasure stores create.
    @discardableResult
    package func replaceImputations(
        of attribute: String, with values: [(user: UserID, value: String, confidence: Double)],
        in workspace: WorkspaceID,
        at time: Timestamp, erasedSince: (time: Timestamp, digest: @Sendable (UserID) -> [UInt8])?
    ) async throws -> Int {
        try ImputationValidation.check(attribute: attribute, values)
        try Self.validateText(attribute: attribute, values)
        return try await transaction("replace imputations") { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(AdvisoryLock.imputationsNamespace), \(Int32(truncatingIfNeeded: key)))",
                logger: logger)
            var erasedDuringRun: Set<[UInt8]> = []
            if let erasedSince {
                let rows = try await connection.query(
                    """
                    SELECT digest FROM erased_users
                    WHERE workspace = \(key) AND erased_at >= \(erasedSince.time.millisecondsSinceEpoch)
                    """, logger: logger)
                for try await digest in rows.decode(ByteBuffer.self) {
                    erasedDuringRun.insert(Array(digest.readableBytesView))
                }
            }
            try await connection.query(
                "DELETE FROM imputed_attributes WHERE workspace = \(key) AND attribute = \(attribute)", logger: logger)
            var users: [String] = []
            var texts: [String] = []
            var confidences: [Double] = []
            for row in values {
                if let erasedSince, !erasedDuringRun.isEmpty, erasedDuringRun.contains(erasedSince.digest(row.user)) {
                    continue
                }
                users.append(row.user.rawValue)
                texts.append(row.value)
                confidences.append(row.confidence)
            }
            guard !users.isEmpty else { return 0 }
            // The estimates were computed before this transaction; a user erased since then has
            // no profile any more, and an estimate written for them would bring them back. The
            // profile row is share-locked until commit, so an erasure cannot remove it between
            // this check and the commit.
            let rows = try await connection.query(
                """
                INSERT INTO imputed_attributes (workspace, user_id, attribute, value, confidence, imputed_at)
                SELECT \(key), v.user_id, \(attribute), v.value, v.confidence, \(time.millisecondsSinceEpoch)
                FROM unnest(\(users)::text[], \(texts)::text[], \(confidences)::float8[])
                    AS v(user_id, value, confidence)
                WHERE EXISTS (
                    SELECT 1 FROM profiles p WHERE p.workspace = \(key) AND p.user_id = v.user_id FOR KEY SHARE)
                RETURNING 1
                """, logger: logger)
            var stored = 0
            for try await _ in rows { stored += 1 }
            return stored
        }
    }

    package func imputations(of user: UserID, in workspace: WorkspaceID) async throws -> [StoredImputation] {
        try await read("read imputations") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            return try await Self.viewImputations(key, user.rawValue, connection, logger)
        }
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores: such a run is refused before
    /// anything is written, naming the field.
    static func validateText(attribute: String, _ values: [(user: UserID, value: String, confidence: Double)])
        throws(AttuneError)
    {
        if attribute.utf8.contains(0) { throw AttuneError.invalid("attribute", "must not contain a NUL character") }
        for (index, row) in values.enumerated() where row.value.utf8.contains(0) {
            throw AttuneError.invalid("values[\(index)].value", "must not contain a NUL character")
        }
    }
}
