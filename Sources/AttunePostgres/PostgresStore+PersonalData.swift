import AttuneCore
import AttuneStore
import Logging
import NIOCore
import PostgresNIO

/// The rights of the person on PostgreSQL, answering as the SQLite store does. Erasure is in
/// `PostgresStore+Erasure.swift`, the retention purge in `PostgresStore+Purge.swift`.
extension PostgresStore: PersonalDataStore {
    package func exposures(ofUnits units: [String], in workspace: WorkspaceID) async throws -> [Exposure] {
        // A unit with NUL cannot be stored here, so it has no exposure (PostgreSQL would refuse the bind).
        let units = Array(Set(units.filter { !$0.utf8.contains(0) }))
        guard !units.isEmpty else { return [] }
        return try await read("read exposures of units") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT experiment, unit_id, variant, exposed_at FROM exposures
                WHERE workspace = \(key) AND unit_id = ANY(\(units)::text[])
                """, logger: logger)
            var out: [Exposure] = []
            for try await (experiment, unit, variant, at) in rows.decode((String, String, Int64, Int64).self) {
                out.append(Exposure(
                    experiment: ExperimentKey(unchecked: experiment), unit: unit, variant: Int(variant),
                    time: Timestamp(millisecondsSinceEpoch: at)))
            }
            // Sorted here, not by the server: Swift's string order whatever the database's collation.
            return out.sorted { ($0.experiment.rawValue, $0.unit) < ($1.experiment.rawValue, $1.unit) }
        }
    }

    package func erasedUserDigests(in workspace: WorkspaceID) async throws -> Set<[UInt8]> {
        try await read("read erased users") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                "SELECT digest FROM erased_users WHERE workspace = \(key)", logger: logger)
            var out: Set<[UInt8]> = []
            for try await digest in rows.decode(ByteBuffer.self) { out.insert(Array(digest.readableBytesView)) }
            return out
        }
    }

    /// Does nothing, on purpose.
    ///
    /// SQLite folds its write-ahead log into the main file so that erased rows are not left in
    /// the log. PostgreSQL has no such file to fold: `CHECKPOINT` only writes dirty pages out,
    /// which removes no deleted row (their dead tuples stay in the table's pages until VACUUM,
    /// which autovacuum runs, reclaims them), and it needs superuser or `pg_checkpoint` rights
    /// that the store's role should not have. The WAL segments and base backups holding the
    /// erased rows age out with the server's WAL and backup retention, which is the operator's
    /// setting, not something one connection can force.
    package func checkpoint() async throws {}
}
