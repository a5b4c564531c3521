import AttuneCore
import AttuneEngine
import Logging
import PostgresNIO

/// Leadership among the processes sharing one database, on any number of machines: a
/// session-level advisory lock, tried every ``Options/retryInterval`` by those that wait.
///
/// Each elector talks on a connection of its own, outside the store's pool, because a session
/// lock belongs to the connection that took it. The server drops the lock when that session ends
/// however it ends: a leader killed with `kill -9` closes its socket and a waiting process takes
/// over at its next try. A leader cut off by the network cannot close anything, so its session is
/// given an `idle_session_timeout`: the server ends it once the leader's heartbeats stop, and the
/// leader, whose heartbeat fails sooner (``Options/heartbeatInterval`` plus
/// ``Options/heartbeatTimeout`` is less than that), has stopped its jobs by then.
///
/// Each acquisition raises the database's term counter on that session and hands the new value
/// to its ``PostgresLeadership`` as a ``FencingToken``: a leader-only write checks it in its own
/// transaction (``LeaderTerms``), so that a leader that lost its session before its heartbeat
/// noticed cannot write once the next leader has begun.
///
/// Advisory locks are per database and per server: behind a pooler in transaction mode (which
/// lends a session per transaction) they mean nothing, so the elector must reach PostgreSQL
/// directly or through a pooler in session mode.
package struct PostgresLeaderElection: LeaderElection {
    package struct Options: Sendable {
        /// The pause between two tries while another process leads.
        package var retryInterval: Duration
        /// How often the leader checks that its session still holds the lock.
        package var heartbeatInterval: Duration
        /// How long a check (or a try, or the unlock) may wait for its answer.
        package var heartbeatTimeout: Duration
        /// The server ends an elector's session after this long without a query: at least twice a
        /// heartbeat with its timeout and twice the retry interval, so that only an elector gone
        /// silent loses its session.
        package var idleSessionTimeout: Duration
        /// How long a new leader waits to begin its term while a leader-only write of the previous
        /// term is still in flight (it holds the term counter until it commits; ``LeaderTerms``).
        /// Past it the server stops the wait (the session's `lock_timeout`), and the lock is given
        /// up and tried again.
        package var termTimeout: Duration

        package init(
            retryInterval: Duration = .seconds(1), heartbeatInterval: Duration = .seconds(2),
            heartbeatTimeout: Duration = .seconds(3), idleSessionTimeout: Duration = .seconds(10),
            termTimeout: Duration = .seconds(60)
        ) {
            self.retryInterval = retryInterval
            self.heartbeatInterval = heartbeatInterval
            self.heartbeatTimeout = heartbeatTimeout
            self.idleSessionTimeout = max(idleSessionTimeout, (heartbeatInterval + heartbeatTimeout) * 2, retryInterval * 2)
            self.termTimeout = max(termTimeout, heartbeatTimeout)
        }
    }

    package let configuration: PostgresConfiguration
    package let options: Options
    let logger: Logger

    package init(_ configuration: PostgresConfiguration, options: Options = Options(), logger: Logger) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
    }

    package var name: String {
        "PostgreSQL \(configuration.serverName) advisory lock (\(AdvisoryLock.namespace), \(AdvisoryLock.leader))"
    }

    /// One attempt that does not wait.
    /// - Returns: the term, or `nil` while another holds the lock.
    /// - Throws: `AttuneError` `storage_error` when the server cannot be reached or answers with an error.
    package func tryAcquire() async throws -> PostgresLeadership? {
        let connection = try await connect()
        do {
            if try await tryLock(on: connection) { return try await beginTerm(on: connection) }
            await connection.abandon()
            return nil
        } catch {
            await connection.abandon()
            throw failure(error, operation: "leader election")
        }
    }

    package func acquire() async throws -> any Leadership {
        try await acquire(afterEachRefusal: {})
    }

    /// ``acquire()``, calling `afterEachRefusal` each time another holds the lock (tests observe
    /// the wait by it). The wait keeps one connection; when it breaks, the error is thrown (the
    /// caller, ``LeaderOnlyServices``, tries again).
    /// - Throws: `CancellationError` when cancelled; `AttuneError` `storage_error` when the
    ///   server cannot be reached or the connection breaks.
    package func acquire(afterEachRefusal: @Sendable () -> Void) async throws -> PostgresLeadership {
        let connection = try await connect()
        do {
            while true {
                try Task.checkCancellation()
                if try await tryLock(on: connection) { return try await beginTerm(on: connection) }
                afterEachRefusal()
                try await Task.sleep(for: options.retryInterval)
            }
        } catch {
            await connection.abandon()
            if Task.isCancelled { throw CancellationError() }
            throw failure(error, operation: "leader election")
        }
    }

    /// A connection of its own, with the idle timeout that frees the lock of a leader gone silent.
    private func connect() async throws -> PostgresConnection {
        let settings: PostgresConnection.Configuration
        do {
            settings = try configuration.connectionConfiguration()
        } catch {
            throw AttuneError(code: .storage, message: "PostgreSQL \(configuration.serverName): cannot set up TLS")
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: settings, id: 0, logger: logger)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw failure(error, operation: "leader election connect")
        }
        do {
            // The lock timeout ends a new term's wait for the term row on the server too: a
            // backend blocked on a lock does not notice that its client closed the connection.
            let idle = "\(Int(options.idleSessionTimeout / .milliseconds(1)))"
            let lock = "\(Int(options.termTimeout / .milliseconds(1)))"
            _ = try await Deadline.run(options.heartbeatTimeout) { [logger] in
                try await connection.query(
                    "SELECT set_config('idle_session_timeout', \(idle), false), set_config('lock_timeout', \(lock), false)",
                    logger: logger)
            }
        } catch {
            await connection.abandon()
            if Task.isCancelled { throw CancellationError() }
            throw failure(error, operation: "leader election connect")
        }
        return connection
    }

    private func tryLock(on connection: PostgresConnection) async throws -> Bool {
        try await Deadline.run(options.heartbeatTimeout) { [logger] in
            let rows = try await connection.query(
                "SELECT pg_try_advisory_lock(\(AdvisoryLock.namespace), \(AdvisoryLock.leader))", logger: logger)
            var locked = false
            for try await value in rows.decode(Bool.self) { locked = value }
            return locked
        }
    }

    /// The lock is held: the term that begins with it gets the next fencing token, raised on the
    /// lock's own session so that no two terms ever share one. A failure here is thrown, and the
    /// caller's catch closes the connection, which gives the lock up again.
    private func beginTerm(on connection: PostgresConnection) async throws -> PostgresLeadership {
        // The session's lock timeout (``Options/termTimeout``) ends a wait for the row; the deadline
        // is the backstop for a server that does not answer at all.
        let token = try await Deadline.run(options.termTimeout + options.heartbeatTimeout) { [logger] in
            try await LeaderTerms.begin(on: connection, logger: logger)
        }
        logger.info("leader term begun", metadata: ["leader.term": .stringConvertible(token.term)])
        return PostgresLeadership(connection, election: self, fencingToken: token)
    }

    func failure(_ error: any Error, operation: String) -> any Error {
        if error is AttuneError || error is CancellationError { return error }
        return PostgresFailure.classify(error).attuneError(operation: operation, server: configuration.serverName, attempts: 1)
    }
}
