import AttuneCore
import Logging
import ServiceLifecycle

/// Runs the queued jobs of the kinds it has handlers for, one at a time: claims one, runs its
/// handler while renewing the lease (every third of it), then completes or fails it. Any number of
/// workers may run on the same queue: claims never overlap. When the lease is lost (the renewal
/// finds another worker holds the job, after this one stalled for a whole lease) the handler is
/// cancelled, since its result no longer counts.
///
/// It needs no leadership: each job is run once by whichever worker claims it.
package struct PostgresJobWorker: Service {
    package typealias Handler = @Sendable (ClaimedJob) async throws -> Void

    let queue: PostgresJobQueue
    let handlers: [String: Handler]
    /// Recorded with each claim, for operators (`host:pid`, say).
    let name: String
    let clock: any WallClock
    /// The pause before looking again when no job is ready.
    let idleInterval: Duration
    let logger: Logger

    package init(
        queue: PostgresJobQueue, handlers: [String: Handler], name: String, clock: any WallClock,
        idleInterval: Duration = .seconds(1), logger: Logger
    ) {
        self.queue = queue
        self.handlers = handlers
        self.name = name
        self.clock = clock
        self.idleInterval = idleInterval
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let ran: Bool
            do {
                ran = try await cancelWhenGracefulShutdown { try await runOne() }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                // The database is away: said, and tried again after a pause.
                logger.warning("job queue unavailable", metadata: ["error": .string(String(describing: error))])
                ran = false
            }
            if ran { continue }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: idleInterval) }
            } catch {
                return
            }
        }
    }

    /// Claims and runs one ready job.
    /// - Returns: whether there was one.
    /// - Throws: when the queue cannot be reached, or when cancelled.
    @discardableResult
    package func runOne() async throws -> Bool {
        guard let job = try await queue.claim(kinds: handlers.keys.sorted(), worker: name, at: clock.now()) else { return false }
        guard let handler = handlers[job.kind] else { return true }
        let outcome = await run(job, handler)
        // Recorded even when a shutdown cancels this task meanwhile (an unstructured task does not
        // inherit cancellation): a finished job would otherwise wait for its lease to run out and
        // be run again.
        let queue = queue
        let clock = clock
        switch outcome {
        case .done:
            _ = try await Task { try await queue.complete(job, at: clock.now()) }.value
        case .failed(let reason):
            let next = try await Task { try await queue.fail(job, error: reason, at: clock.now()) }.value
            logger.warning(
                "job failed",
                metadata: ["job.id": .stringConvertible(job.id), "job.kind": .string(job.kind),
                           "job.attempt": .stringConvertible(job.attempt), "job.outcome": .string(String(describing: next)),
                           "error": .string(reason)])
        case .leaseLost:
            logger.warning(
                "job lease lost; its result is dropped",
                metadata: ["job.id": .stringConvertible(job.id), "job.kind": .string(job.kind)])
        case .cancelled:
            // Shutting down mid-job: the lease runs out and another worker claims it again.
            throw CancellationError()
        }
        return true
    }

    private enum Outcome: Sendable {
        case done
        case failed(String)
        case leaseLost
        case cancelled
    }

    private func run(_ job: ClaimedJob, _ handler: @escaping Handler) async -> Outcome {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    try await handler(job)
                    return .done
                } catch {
                    return Task.isCancelled ? .cancelled : .failed(String(describing: error))
                }
            }
            group.addTask {
                // Renewed every third of the lease, so that two missed renewals still leave time.
                let lease = Duration.milliseconds(job.leaseUntil.millisecondsSinceEpoch - clock.now().millisecondsSinceEpoch)
                var held = job
                while true {
                    do {
                        try await Task.sleep(for: max(lease / 3, .milliseconds(10)))
                        guard let renewed = try await queue.renew(held, at: clock.now()) else { return .leaseLost }
                        held = renewed
                    } catch {
                        if Task.isCancelled { return nil }
                        // A renewal that failed is tried again at the next third.
                        continue
                    }
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .cancelled
        }
    }
}
