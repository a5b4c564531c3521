import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// `BEGIN`, `body`, `COMMIT`; `ROLLBACK` when `body` throws and the connection still works.
    ///
    /// Used instead of postgres-nio's `withTransaction`, which sends `ROLLBACK` even on a
    /// connection the server has just ended: a query written to a closed channel is never
    /// answered (postgres-nio drops the write's failure), so a request whose backend was
    /// terminated hung for ever in that `ROLLBACK`. Here a broken connection is closed instead;
    /// the server rolls back an interrupted transaction by itself.
    ///
    /// READ COMMITTED whatever the server's `default_transaction_isolation`: the writers that
    /// take an advisory lock and then read (the audit chain's head, the segment-change horizon,
    /// a webhook's first cursor) rely on each statement seeing what committed before it; under
    /// REPEATABLE READ the snapshot would be taken before the lock was granted.
    ///
    /// A body whose task was cancelled meanwhile (its deadline answered the caller) is rolled
    /// back rather than committed: the caller has been told it failed, and a write that is not
    /// idempotent may be tried again.
    /// - Throws: `body`'s error; a failure of `COMMIT` as ``PostgresFailure`` with
    ///   `duringCommit` set (the outcome is then unknown).
    func transaction<Result>(
        logger: Logger, _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
        let value: Result
        do {
            value = try await body(self)
        } catch {
            let failure = PostgresFailure.classify(error)
            if isClosed || failure.kind == .connectionLost || failure.kind == .timedOut {
                await abandon()
            } else {
                do {
                    try await query("ROLLBACK", logger: logger)
                } catch {
                    await abandon()
                }
            }
            throw error
        }
        if Task.isCancelled {
            await abandon()
            throw PostgresFailure(kind: .timedOut, reason: "cancelled before COMMIT: rolled back")
        }
        do {
            try await query("COMMIT", logger: logger)
        } catch {
            var failure = PostgresFailure.classify(error)
            failure.duringCommit = true
            if isClosed || failure.kind == .connectionLost { await abandon() }
            throw failure
        }
        return value
    }

    /// Closes the connection and waits until it is closed, so that it is already closed when it
    /// goes back to the pool: the pool then drops it, and a lender that checks sees it closed.
    func abandon() async {
        try? await (close() as EventLoopFuture<Void>).get()
    }
}
