import AttuneCore
import Foundation
import GRDB

extension SQLiteStore: ImputationStore {
    @discardableResult
    package func replaceImputations(
        of attribute: String, with values: [(user: UserID, value: String, confidence: Double)], in workspace: WorkspaceID,
        at time: Timestamp, erasedSince: (time: Timestamp, digest: @Sendable (UserID) -> [UInt8])?
    ) async throws -> Int {
        try ImputationValidation.check(attribute: attribute, values)
        return try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            var erasedDuringRun: Set<Data> = []
            if let erasedSince {
                erasedDuringRun = Set(try Data.fetchAll(
                    db, sql: "SELECT digest FROM erased_users WHERE workspace = ? AND erased_at >= ?",
                    arguments: [key, erasedSince.time.millisecondsSinceEpoch]))
            }
            try db.execute(
                sql: "DELETE FROM imputed_attributes WHERE workspace = ? AND attribute = ?", arguments: [key, attribute])
            // The estimates were computed before this transaction; a user erased since then has no
            // profile any more, and an estimate written for them would bring them back.
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO imputed_attributes (workspace, user_id, attribute, value, confidence, imputed_at)
                    SELECT ?1, ?2, ?3, ?4, ?5, ?6
                    WHERE EXISTS (SELECT 1 FROM profiles WHERE workspace = ?1 AND user_id = ?2)
                    """)
            var stored = 0
            for row in values {
                if let erasedSince, !erasedDuringRun.isEmpty, erasedDuringRun.contains(Data(erasedSince.digest(row.user))) {
                    continue
                }
                try insert.execute(arguments: [
                    key, row.user.rawValue, attribute, row.value, row.confidence, time.millisecondsSinceEpoch,
                ])
                stored += db.changesCount
            }
            return stored
        }
    }

    package func imputations(of user: UserID, in workspace: WorkspaceID) async throws -> [StoredImputation] {
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Self.imputations(key, user.rawValue, db)
        }
    }
}
