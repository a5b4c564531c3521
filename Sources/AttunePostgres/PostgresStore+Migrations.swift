import AttuneCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// Applies the migrations of ``PostgresSchema`` that the database has not recorded yet.
    ///
    /// Replicas starting together all call this: a session advisory lock lets one migrate while
    /// the others wait, then find nothing left to do. Each migration runs in its own transaction
    /// with its row in `schema_migrations`, so a failure leaves the database at the last
    /// complete step. The lock is taken on a connection of its own, outside the pool, because a
    /// session lock belongs to the connection that took it.
    ///
    /// Then reads every consent decision into memory, so that the synchronous consent checks
    /// answer from the first request on (before, they fail rather than guess).
    /// - Returns: the names of the migrations this call applied.
    /// - Throws: `AttuneError` `storage_error` naming the server and the reason.
    @discardableResult
    package func migrate() async throws -> [String] {
        try await migrate(PostgresSchema.migrations, loadingConsent: true)
    }

    /// Applies `migrations` (not the schema's: for testing the mechanism), without loading consent.
    @discardableResult
    package func migrate(_ migrations: [PostgresMigration]) async throws -> [String] {
        try await migrate(migrations, loadingConsent: false)
    }

    private func migrate(_ migrations: [PostgresMigration], loadingConsent: Bool) async throws -> [String] {
        let connection = try await openConnection()
        do {
            let applied = try await migrate(migrations, on: connection)
            if loadingConsent {
                do {
                    try await syncConsent(on: connection, logger)
                } catch {
                    throw MigrationStepFailed(operation: "load consent decisions", underlying: error)
                }
            }
            try? await connection.close()
            return applied
        } catch let failed as MigrationStepFailed {
            try? await connection.close()
            throw PostgresFailure.classify(failed.underlying).attuneError(
                operation: failed.operation, server: configuration.serverName, attempts: 1)
        } catch {
            try? await connection.close()
            if let domain = Self.domainError(error) { throw domain }
            throw PostgresFailure.classify(error).attuneError(operation: "migration", server: configuration.serverName, attempts: 1)
        }
    }

    private func migrate(_ migrations: [PostgresMigration], on connection: PostgresConnection) async throws -> [String] {
        // try-lock in a loop rather than a blocking pg_advisory_lock: the wait stays cancellable.
        while true {
            let rows = try await connection.query(
                "SELECT pg_try_advisory_lock(\(AdvisoryLock.namespace), \(AdvisoryLock.migrations))", logger: logger)
            var locked = false
            for try await (value) in rows.decode(Bool.self) { locked = value }
            if locked { break }
            logger.debug("waiting for another process to finish migrating")
            try await Task.sleep(for: .milliseconds(100))
        }
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name TEXT PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var done: Set<String> = []
        for try await (name) in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
            done.insert(name)
        }
        var applied: [String] = []
        for migration in migrations where !done.contains(migration.name) {
            do {
                try await connection.transaction(logger: logger) { connection in
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
                }
            } catch {
                throw MigrationStepFailed(operation: "migration \(migration.name)", underlying: error)
            }
            logger.info("postgres migration applied", metadata: ["postgres.migration": "\(migration.name)"])
            applied.append(migration.name)
        }
        try await connection.query(
            "SELECT pg_advisory_unlock(\(AdvisoryLock.namespace), \(AdvisoryLock.migrations))", logger: logger)
        return applied
    }

    /// A connection outside the pool, with the retries of ``Options`` for failures to connect.
    func openConnection() async throws -> PostgresConnection {
        let connectionConfiguration: PostgresConnection.Configuration
        do {
            connectionConfiguration = try configuration.connectionConfiguration()
        } catch {
            throw AttuneError(code: .storage, message: "PostgreSQL \(configuration.serverName): cannot set up TLS")
        }
        // A connection made after the deadline answered is closed, not dropped open.
        return try await withRetries("connect", idempotent: true, discardingLate: { try? await $0.close() }) { [logger] in
            try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
        }
    }
}

/// Which step of migrating failed, so that the error names it.
private struct MigrationStepFailed: Error {
    var operation: String
    var underlying: any Error
}
