import AttuneCore
import GRDB

extension SQLiteStore: ImputationStore {
    package func replaceImputations(
        of attribute: String, with values: [(user: UserID, value: String, confidence: Double)], in workspace: WorkspaceID,
        at time: Timestamp
    ) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            try db.execute(
                sql: "DELETE FROM imputed_attributes WHERE workspace = ? AND attribute = ?", arguments: [key, attribute])
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO imputed_attributes (workspace, user_id, attribute, value, confidence, imputed_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
            for row in values {
                try insert.execute(arguments: [
                    key, row.user.rawValue, attribute, row.value, row.confidence, time.millisecondsSinceEpoch,
                ])
            }
        }
    }

    package func imputations(of user: UserID, in workspace: WorkspaceID) async throws -> [StoredImputation] {
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT attribute, value, confidence, imputed_at FROM imputed_attributes
                    WHERE workspace = ? AND user_id = ? ORDER BY attribute
                    """,
                arguments: [key, user.rawValue]
            ).map { row in
                StoredImputation(
                    attribute: row[0], value: row[1], confidence: row[2], imputedAt: Timestamp(millisecondsSinceEpoch: row[3]))
            }
        }
    }
}
