import AttuneCore
import AttuneEngine
import Logging
import NIOCore
import PostgresNIO

/// A held advisory lock: the session of one dedicated connection. It is lost when that connection
/// closes (a server restart, a terminated backend, a broken network) or when a heartbeat finds the
/// lock gone or gets no answer in time; another process may then lead already.
package final class PostgresLeadership: Leadership {
    private let connection: PostgresConnection
    private let closed: ConnectionClosedSignal
    private let options: PostgresLeaderElection.Options
    private let logger: Logger
    private let released = Locked(false)
    /// The term this lock began (``LeaderTerms``): leader-only writes of this term carry it.
    package let fencingToken: FencingToken?

    init(_ connection: PostgresConnection, election: PostgresLeaderElection, fencingToken: FencingToken) {
        self.connection = connection
        self.fencingToken = fencingToken
        closed = ConnectionClosedSignal(connection)
        options = election.options
        logger = election.logger
    }

    deinit {
        guard !released.withLock({ $0 }) else { return }
        // The close completes later, on the connection's event loop: the connection is kept until
        // then (postgres-nio asserts that a connection is closed before it goes away).
        let connection = connection
        (connection.close() as EventLoopFuture<Void>).whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    package func lost() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.closed.wait() }
            group.addTask { await self.heartbeatUntilFailure() }
            await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
        // Closing frees the lock on the server if the session somehow survives this side's verdict.
        await connection.abandon()
    }

    /// Returns when a heartbeat fails or finds the lock gone, or when cancelled.
    private func heartbeatUntilFailure() async {
        while true {
            do {
                try await Task.sleep(for: options.heartbeatInterval)
            } catch {
                return
            }
            do {
                let held = try await Deadline.run(options.heartbeatTimeout) { [connection, logger] in
                    try await Self.holdsLock(connection, logger: logger)
                }
                if !held {
                    logger.warning("leader advisory lock no longer held by this session")
                    return
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning(
                        "leader heartbeat failed", metadata: ["postgres.reason": .string(PostgresFailure.classify(error).reason)])
                }
                return
            }
        }
    }

    /// Whether this session holds the leader lock. A session lends no lock to another, so `false`
    /// means the server no longer counts this session as the leader (or a pooler in transaction
    /// mode answered from another session).
    static func holdsLock(_ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 2
                  AND classid::int8 = \(Int64(AdvisoryLock.namespace)) AND objid::int8 = \(Int64(AdvisoryLock.leader))
            )
            """, logger: logger)
        var held = false
        for try await value in rows.decode(Bool.self) { held = value }
        return held
    }

    /// Unlocks, so that a waiting process takes over at its next try, and closes the connection
    /// (which would free the lock anyway were the unlock not answered).
    package func release() async {
        guard !released.withLock({ state in
            defer { state = true }
            return state
        }) else { return }
        if !connection.isClosed {
            _ = try? await Deadline.run(options.heartbeatTimeout) { [connection, logger] in
                try await connection.query(
                    "SELECT pg_advisory_unlock(\(AdvisoryLock.namespace), \(AdvisoryLock.leader))", logger: logger)
            }
        }
        await connection.abandon()
    }
}
