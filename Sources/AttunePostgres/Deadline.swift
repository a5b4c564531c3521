import AttuneCore

/// A time limit on work that may never end by itself.
enum Deadline {
    /// `body`, or a ``PostgresFailure`` of kind `timedOut` when it takes longer than `timeout`.
    ///
    /// The caller is answered at the deadline even when `body` does not stop: waiting for a
    /// pooled connection is cancellable, but a query written to a connection that closed under it
    /// is never answered by postgres-nio (the write's failure is dropped), and a child task in a
    /// group would keep the caller waiting for it. Such a body is cancelled and left behind.
    /// - Parameter sleep: How the timer waits (tests make it end early).
    static func run<Result: Sendable>(
        _ timeout: Duration, discardingLate discard: (@Sendable (Result) async -> Void)? = nil,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let work = Task { try await body() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                let pending = Locked<CheckedContinuation<Result, any Error>?>(continuation)
                /// - Returns: whether this outcome was the answer (the first one is).
                @Sendable @discardableResult func finish(_ outcome: Swift.Result<Result, any Error>) -> Bool {
                    let waiting = pending.withLock { slot in
                        defer { slot = nil }
                        return slot
                    }
                    waiting?.resume(with: outcome)
                    return waiting != nil
                }
                let timer = Task {
                    // Cancelled because the body answered: a cancelled sleep returns early, and
                    // answering then would race the body's answer with a false "timed out".
                    guard (try? await sleep(timeout)) != nil else { return }
                    // Answer first: the cancelled body would otherwise race to answer with its
                    // own, vaguer "cancelled".
                    finish(.failure(PostgresFailure(kind: .timedOut, reason: "no connection or answer within \(timeout)")))
                    work.cancel()
                }
                Task {
                    let outcome = await work.result
                    let answered = finish(outcome)
                    timer.cancel()
                    // A value that came after the deadline was answered has no taker: the
                    // caller may need to release it (a connection must be closed).
                    if !answered, case .success(let late) = outcome { await discard?(late) }
                }
            }
        } onCancel: {
            work.cancel()
        }
    }
}
