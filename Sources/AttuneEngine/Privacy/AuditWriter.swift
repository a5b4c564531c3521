import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// Audit rows of reads (an admin looked at a person's profile or its history), written off the
/// request path.
///
/// A read changes nothing, so its row need not share a transaction with anything: the handler
/// queues it and answers, and this service appends everything queued in one transaction every
/// `interval` (and at graceful shutdown). One commit then serves a few hundred reads instead of
/// each read waiting for its own commit (and fsync), which set the read's tail latency. Rows are
/// chained in queue order, exactly as `AuditLog` chains them one by one.
///
/// What a crash loses: the rows queued since the last flush, at most `interval` worth of reads.
/// Changes (merges, erasures, consent, keys, configuration) keep writing their row in their own
/// transaction through `AuditLog`.
package final class AuditWriter: Service, Sendable {
    private struct State {
        var queued: [AuditEntry] = []
        /// Callers that found the queue full: each waits for the flush that commits its row.
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var stopped = false
    }

    private let store: any AuditStore
    private let clock: any WallClock
    private let capacity: Int
    private let interval: Duration
    private let logger: Logger
    private let state = Locked(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - capacity: rows queued before a reader waits for the flush that writes its own row; about
    ///     ten seconds of reads at a thousand a second, so only a stalled disk reaches it.
    ///   - interval: how long a row may wait in the queue, and so what a crash can lose.
    package init(
        store: any AuditStore, clock: any WallClock, capacity: Int = 10_000, interval: Duration = .milliseconds(150),
        logger: Logger = Logger(label: "attune.audit")
    ) {
        self.store = store
        self.clock = clock
        self.capacity = max(1, capacity)
        self.interval = interval
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues one row and returns at once; with the queue full, returns once the row is committed
    /// (a row is never dropped: a read that cannot be audited fails with the store's error).
    /// After shutdown the row is written at once.
    package func record(
        _ action: AuditAction, actor: String, workspace: WorkspaceID? = nil, subject: String? = nil, detail: String? = nil
    ) async throws {
        let entry = AuditEntry(
            time: clock.now(), actor: actor, action: action, workspace: workspace, subject: subject, detail: detail)
        enum Outcome { case queued, full, stopped }
        let outcome = state.withLock { state -> Outcome in
            if state.stopped { return .stopped }
            guard state.queued.count < capacity else { return .full }
            state.queued.append(entry)
            return .queued
        }
        switch outcome {
        case .queued:
            return
        case .stopped:
            try await AuditLog(store: store, clock: clock).record(entries: [entry])
        case .full:
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let waiting = state.withLock { state -> Bool in
                    guard !state.stopped else { return false }
                    state.queued.append(entry)
                    state.waiters.append(continuation)
                    return true
                }
                if waiting {
                    wake.yield()
                } else {
                    Task { [store, clock] in
                        do {
                            try await AuditLog(store: store, clock: clock).record(entries: [entry])
                            continuation.resume()
                        } catch {
                            continuation.resume(throwing: error)
                        }
                    }
                }
            }
        }
    }

    /// Rows queued and not yet committed.
    package var queuedCount: Int { state.withLock { $0.queued.count } }

    package func run() async throws {
        let ticker = Task { [wake, interval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                wake.yield()
            }
        }
        defer { ticker.cancel() }
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                await flush()
                if state.withLock({ $0.stopped }) { break }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopped = true }
            self.wake.yield()
            self.wake.finish()
        }
        // Rows queued while shutting down were accepted: they are written.
        await flush()
    }

    /// Commits everything queued in one transaction. On failure the rows go back to the front of
    /// the queue (in order) for the next flush, and callers waiting on them get the error.
    package func flush() async {
        let (entries, waiters) = state.withLock { state in
            defer {
                state.queued.removeAll(keepingCapacity: true)
                state.waiters.removeAll()
            }
            return (state.queued, state.waiters)
        }
        if entries.isEmpty { return }
        do {
            try await AuditLog(store: store, clock: clock).record(entries: entries)
            for waiter in waiters { waiter.resume() }
        } catch {
            logger.error("audit flush failed", metadata: ["error": "\(error)", "rows": "\(entries.count)"])
            state.withLock { $0.queued.insert(contentsOf: entries, at: 0) }
            for waiter in waiters { waiter.resume(throwing: error) }
        }
    }
}
