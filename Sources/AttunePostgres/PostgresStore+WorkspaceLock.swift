import Logging
import PostgresNIO

extension PostgresStore {
    /// Takes the workspace's write lock until the end of the transaction.
    ///
    /// Every write that reads a profile or a membership to write it back (appends, identify,
    /// profile rebuilds, segment writes and refreshes) holds it, so such writes to one workspace
    /// run one after the other across every process sharing the database, as they do in SQLite's
    /// single writer: two replicas folding events into one profile cannot both start from the
    /// same version. It also makes log order commit order within a workspace. Appends naming
    /// several workspaces take their locks in key order, so two writers never wait for each other
    /// in a cycle.
    static func lockWorkspace(_ key: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(\(AdvisoryLock.appendNamespace), \(Int32(truncatingIfNeeded: key)))",
            logger: logger)
    }
}
