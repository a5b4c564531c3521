import AttuneCore
import AttuneStore
import Logging
import Metrics
import ServiceLifecycle

/// Group commit for the event log.
///
/// Every request waits for its events to be durable, but requests that arrive while a commit is
/// being fsynced are gathered and committed together in the next transaction. One fsync then
/// serves many requests, which is how a durable log reaches high throughput on one disk.
package final class EventWriter: Service, Sendable {
    private struct Pending: Sendable {
        var batch: EventBatch
        var continuation: CheckedContinuation<AppendResult, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var stopped = false
    }

    private let store: any EventStore
    private let state = Locked(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let maxEventsPerCommit: Int
    private let logger: Logger
    private let committedEvents = Counter(label: "attune_events_stored_total")
    private let duplicateEvents = Counter(label: "attune_events_duplicate_total")
    private let withheldEvents = Counter(label: "attune_events_withheld_total")
    private let commitTimer = Metrics.Timer(label: "attune_event_commit_duration")

    /// - Parameter maxEventsPerCommit: an upper bound on one transaction, so that a flood of
    ///   requests cannot build one huge commit that stalls everyone behind it.
    package init(store: any EventStore, maxEventsPerCommit: Int = 20_000, logger: Logger) {
        self.store = store
        self.maxEventsPerCommit = maxEventsPerCommit
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Appends a batch and returns once it is durable. Batches that arrive before `run()` starts
    /// (the HTTP server may accept a request first) wait for it.
    /// - Throws: the store's error, or `AttuneError` `storage` when the writer has stopped.
    package func append(_ batch: EventBatch) async throws -> AppendResult {
        if batch.events.isEmpty { return AppendResult() }
        return try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.pending.append(Pending(batch: batch, continuation: continuation))
                return true
            }
            if accepted {
                wake.yield()
            } else {
                continuation.resume(throwing: AttuneError(code: .storage, message: "event writer is not running"))
            }
        }
    }

    package func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                await drain()
                if state.withLock({ $0.stopped && $0.pending.isEmpty }) { break }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopped = true }
            self.wake.yield()
            self.wake.finish()
        }
        // Requests that raced with shutdown are still written: they were accepted.
        await drain()
    }

    private func drain() async {
        while true {
            let group: [Pending] = state.withLock { state in
                var take = 0
                var count = 0
                while take < state.pending.count, count < maxEventsPerCommit || take == 0 {
                    count += state.pending[take].batch.events.count
                    take += 1
                }
                let taken = Array(state.pending[..<take])
                state.pending.removeFirst(take)
                return taken
            }
            if group.isEmpty { return }
            let start = ContinuousClock.now
            do {
                let results = try await store.append(group.map(\.batch))
                commitTimer.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
                for (pending, result) in zip(group, results) {
                    committedEvents.increment(by: result.inserted)
                    duplicateEvents.increment(by: result.duplicates)
                    withheldEvents.increment(by: result.withheld)
                    pending.continuation.resume(returning: result)
                }
            } catch {
                logger.error("event commit failed", metadata: ["error": "\(error)", "batches": "\(group.count)"])
                for pending in group { pending.continuation.resume(throwing: error) }
            }
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
