import AttuneCore
import AttuneEngine
import AttuneStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// The store on a PostgreSQL server, for several `attune` processes sharing one database.
///
/// It holds a pooled `PostgresClient`, which only works while ``run()`` runs: run the store in
/// a `ServiceGroup` (it is a `Service`) or use ``withStore(_:options:logger:_:)``, and call
/// ``migrate()`` once before the first request.
///
/// Every operation has a deadline and a bounded number of attempts: a connection that cannot be
/// opened or breaks is retried after a short pause, then reported as an ``AttuneError`` with
/// code `storage_error` naming the server (never its password) and the reason.
package final class PostgresStore: Sendable, Service {
    package struct Options: Sendable {
        /// Tries of one operation when the connection fails (1 = no retry).
        package var attempts: Int
        /// How long one try may wait for a connection and its answer.
        package var operationTimeout: Duration
        /// The pause before the second try; it doubles for each later one.
        package var retryDelay: Duration
        /// The pool's size: each open connection is a server process.
        package var maximumConnections: Int
        /// Whether appends and identify also keep user profiles and rule segment memberships
        /// (off only to measure what that costs, as `SQLiteStore(profiles: false)`).
        package var maintainsProfiles: Bool
        /// How often the consent decisions held in memory are compared with the database while
        /// no notification connection is up; five times less often while one is (notifications
        /// then bring changes at once, and the comparison only guards against a lost one).
        package var consentRefreshInterval: Duration
        /// How long consent checks answer from memory that could not be compared with the
        /// database; after that they fail with `storage_error` rather than answer from old decisions.
        package var consentMaxStaleness: Duration
        /// How long the server lets one statement run, and a transaction sit idle, before it
        /// ends it (`statement_timeout`, `idle_in_transaction_session_timeout` on every pooled
        /// connection). The caller is answered at ``operationTimeout`` whatever the server does;
        /// this makes the server stop the abandoned work too (its locks, its process, the pooled
        /// connection it holds) instead of running on. A second over ``operationTimeout`` by
        /// default, so that the client's deadline, not the server's, is what a caller sees.
        package var statementTimeout: Duration

        package init(
            attempts: Int = 3, operationTimeout: Duration = .seconds(10), retryDelay: Duration = .milliseconds(200),
            maximumConnections: Int = 10, consentRefreshInterval: Duration = .seconds(1),
            consentMaxStaleness: Duration = .seconds(15), statementTimeout: Duration? = nil,
            maintainsProfiles: Bool = true
        ) {
            self.attempts = max(1, attempts)
            self.operationTimeout = operationTimeout
            self.statementTimeout = statementTimeout ?? operationTimeout + .seconds(1)
            self.retryDelay = retryDelay
            self.maximumConnections = max(1, maximumConnections)
            self.consentRefreshInterval = consentRefreshInterval
            self.consentMaxStaleness = consentMaxStaleness
            self.maintainsProfiles = maintainsProfiles
        }
    }

    package let configuration: PostgresConfiguration
    package let options: Options
    let client: PostgresClient
    let logger: Logger
    /// Workspace row keys by name; workspaces are never renamed or deleted, so entries stay true.
    let workspaceKeys = Locked<[WorkspaceID: Int64]>([:])
    /// Every consent decision, for the synchronous checks; kept fresh by ``run()``.
    let consentCache: PostgresConsentCache
    /// Rung by a notification of another process's consent write: compare with the database now.
    let consentWakeup = Wakeup()
    /// Each workspace's rule segments with the generation they were compiled at: appends parse
    /// rules again only after a segment write (by any process) bumped the stored generation.
    let segmentRuleCache = Locked<[Int64: (generation: Int64, rules: SegmentRuleSet)]>([:])
    /// Opens pseudonymised declared values for segment rules; `nil` leaves them protected.
    let declaredValueReveal = Locked<(@Sendable (JSONValue) -> JSONValue)?>(nil)
    var maintainsProfiles: Bool { options.maintainsProfiles }

    /// - Throws: `AttuneError` `storage_error` when the TLS settings cannot be built.
    package init(_ configuration: PostgresConfiguration, options: Options = Options(), logger: Logger) throws {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        consentCache = PostgresConsentCache(server: configuration.serverName, maxStaleness: options.consentMaxStaleness)
        do {
            client = PostgresClient(
                configuration: try configuration.clientConfiguration(
                    maximumConnections: options.maximumConnections, statementTimeout: options.statementTimeout),
                backgroundLogger: logger)
        } catch {
            throw AttuneError(code: .storage, message: "PostgreSQL \(configuration.serverName): cannot set up TLS")
        }
    }

    /// Runs the connection pool, and beside it the work that keeps consent decisions in memory
    /// fresh, until cancelled or until graceful shutdown.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            group.addTask { await self.keepConsentFresh() }
            // The pool ends on graceful shutdown; the consent work, which needs it, ends with it.
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// Runs `body` with a store whose pool runs meanwhile and which has been migrated; the pool
    /// stops when `body` returns or throws.
    package static func withStore<Result: Sendable>(
        _ configuration: PostgresConfiguration, options: Options = Options(), logger: Logger,
        _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        let store = try PostgresStore(configuration, options: options, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
    }

    /// Runs `body` in a transaction, with the deadline and retries of ``Options``.
    /// - Parameter idempotent: whether running `body` twice is the same as once; when not, a
    ///   connection that breaks during COMMIT is reported instead of retried.
    @discardableResult
    func transaction<Result: Sendable>(
        _ operation: String, idempotent: Bool = true,
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        try await withRetries(operation, idempotent: idempotent) { [self, logger] in
            try await withOpenConnection { connection in
                try await connection.transaction(logger: logger) { connection in try await body(connection, logger) }
            }
        }
    }

    /// Runs `body` on a pooled connection without a transaction (single-statement reads).
    /// - Parameter failureLevel: the level the failure is logged at (the caller may expect some).
    func read<Result: Sendable>(
        _ operation: String, failureLevel: Logger.Level = .info,
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        try await withRetries(operation, idempotent: true, failureLevel: failureLevel) { [self, logger] in
            try await withOpenConnection { connection in try await body(connection, logger) }
        }
    }

    /// `body` on a pooled connection that is open when lent.
    ///
    /// The pool can lend a connection whose server ended it a moment ago (it learns of the close
    /// asynchronously), and a query written to it would never be answered. Nothing has been sent
    /// then, so another connection is asked for at once, without using up one of the operation's
    /// attempts: at most one per pooled connection, with a short pause for the pool to drop the
    /// closed ones.
    func withOpenConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var stale = 0
        while true {
            do {
                return try await client.withConnection { connection in
                    guard !connection.isClosed else { throw ClosedWhenLent() }
                    return try await body(connection)
                }
            } catch is ClosedWhenLent {
                stale += 1
                guard stale <= options.maximumConnections else {
                    throw PostgresFailure(kind: .connectionLost, reason: "the pool lent only connections that had closed")
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    func withRetries<Result: Sendable>(
        _ operation: String, idempotent: Bool, failureLevel: Logger.Level = .info,
        discardingLate discard: (@Sendable (Result) async -> Void)? = nil,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await Deadline.run(options.operationTimeout, discardingLate: discard, body)
            } catch let error as AttuneError {
                throw error
            } catch {
                if let domain = Self.domainError(error) { throw domain }
                let failure = PostgresFailure.classify(error)
                // A write that is not idempotent is replayed only when it certainly did not apply:
                // not after a broken COMMIT, and not after a deadline, whose abandoned attempt may
                // still be sending its last statements and COMMIT.
                let replayable = failure.isRetryable && (idempotent || (!failure.duringCommit && failure.kind != .timedOut))
                guard replayable, attempt < options.attempts, !Task.isCancelled else {
                    logger.log(
                        level: failureLevel, "postgres operation failed",
                        metadata: ["postgres.operation": "\(operation)", "postgres.reason": "\(failure.reason)",
                                   "postgres.attempts": "\(attempt)"])
                    throw failure.attuneError(operation: operation, server: configuration.serverName, attempts: attempt)
                }
                logger.info(
                    "postgres operation retried",
                    metadata: ["postgres.operation": "\(operation)", "postgres.reason": "\(failure.reason)",
                               "postgres.attempt": "\(attempt)"])
                // Exponential pause: a restarting server is given time, a broken connection is
                // replaced by the pool meanwhile.
                try await Task.sleep(for: options.retryDelay * (1 << min(attempt - 1, 6)))
                attempt += 1
            }
        }
    }

    /// An `AttuneError` (or a fencing refusal) thrown by our own code inside a transaction,
    /// unwrapped from postgres-nio's transaction error: it is an answer (unknown workspace,
    /// conflict, a superseded leader), not a failure to retry.
    static func domainError(_ error: any Error) -> (any Error)? {
        if Self.isAnswer(error) { return error }
        if let transaction = error as? PostgresTransactionError, let closure = transaction.closureError, Self.isAnswer(closure) {
            return closure
        }
        return nil
    }

    private static func isAnswer(_ error: any Error) -> Bool { error is AttuneError || error is FencedWriteRefused }
}

/// A lent connection was already closed: nothing was sent on it.
private struct ClosedWhenLent: Error {}
