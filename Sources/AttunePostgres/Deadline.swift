import AttuneCore

/// A time limit on work that may never end by itself.
enum Deadline {
    /// `body`, or a ``PostgresFailure`` of kind `timedOut` when it takes longer than `timeout`.
    ///
    /// The caller is answered at the deadline even when `body` does not stop: waiting for a
    /// pooled connection is cancellable, but a query written to a connection that closed under it
    /// is never answered by postgres-nio (the write's failure is dropped), and a child task in a
    /// group would keep the caller waiting for it. Such a body is cancelled and left behind.
    static func run<Result: Sendable>(
        _ timeout: Duration, _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let work = Task { try await body() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                let pending = Locked<CheckedContinuation<Result, any Error>?>(continuation)
                @Sendable func finish(_ outcome: Swift.Result<Result, any Error>) {
                    let waiting = pending.withLock { slot in
                        defer { slot = nil }
                        return slot
                    }
                    waiting?.resume(with: outcome)
                }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    // Answer first: the cancelled body would otherwise race to answer with its
                    // own, vaguer "cancelled".
                    finish(.failure(PostgresFailure(kind: .timedOut, reason: "no connection or answer within \(timeout)")))
                    work.cancel()
                }
                Task {
                    finish(await work.result)
                    timer.cancel()
                }
            }
        } onCancel: {
            work.cancel()
        }
    }
}
