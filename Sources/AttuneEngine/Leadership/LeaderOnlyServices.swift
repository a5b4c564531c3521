import AttuneCore
import Logging
import ServiceLifecycle

/// Runs jobs only while this process leads: waits for leadership, runs every job, and when the
/// term is lost stops them (cancels them) and waits again; on graceful shutdown the jobs end as
/// they always do (a training in flight stops) and only then is leadership released, so a waiting
/// process takes over at once and never while a job of this one still runs.
///
/// A job that returns early (one with nothing to do) leaves the others running and leadership held;
/// a job that throws ends the term and the service, as it would end the service group unwrapped.
///
/// Jobs and errands run with the term's ``FencingToken`` in ``LeaderTerm/fencingToken``, which
/// fenced writes (a model publication on PostgreSQL) carry into the store.
package final class LeaderOnlyServices: Service, Sendable {
    let election: any LeaderElection
    let jobs: [any Service]
    let logger: Logger
    /// How long to wait before trying again when the election fails (not when another leads).
    let retryAfterFailure: Duration
    private let errands = TermErrands()

    package init(
        election: any LeaderElection, jobs: [any Service], logger: Logger, retryAfterFailure: Duration = .seconds(1)
    ) {
        self.election = election
        self.jobs = jobs
        self.logger = logger
        self.retryAfterFailure = retryAfterFailure
    }

    /// Whether this process leads now.
    package var isLeading: Bool { errands.isOpen }

    /// Runs `body` as work of the current term (for actions outside the jobs, like a retraining
    /// that a click-through alert asks for): the term's end, lost or at shutdown, cancels it and
    /// waits for it before leadership is released.
    /// - Returns: what `body` returned, or `nil` at once when this process does not lead.
    package func whileLeading<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await errands.run(body)
    }

    package func run() async throws {
        logger.info("waiting for leadership", metadata: ["leader.election": .string(election.name)])
        var failures = 0
        var lastWarning: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let term: any Leadership
            do {
                term = try await cancelWhenGracefulShutdown { try await self.election.acquire() }
                failures = 0
                lastWarning = nil
            } catch is CancellationError {
                return
            } catch {
                // The election itself failed (a lock file gone unreadable, a database away): the
                // API beside these jobs keeps serving, and the election is tried again. Said once,
                // then once a minute, not at every retry.
                failures += 1
                let now = ContinuousClock.now
                if lastWarning.map({ now - $0 >= Self.warningInterval }) ?? true {
                    lastWarning = now
                    logger.warning(
                        "leader election failed; trying again; leader-only jobs are not running",
                        metadata: ["leader.election": .string(election.name),
                                   "leader.failures": .stringConvertible(failures),
                                   "error": .string(String(describing: error))])
                }
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.retryAfterFailure) }
                } catch {
                    return
                }
                continue
            }
            errands.open(fencingToken: term.fencingToken)
            logger.info(
                "leadership acquired",
                metadata: ["leader.election": .string(election.name), "leader.jobs": .stringConvertible(jobs.count)])
            let ended: TermEnd
            do {
                ended = try await runJobs(during: term)
            } catch {
                await errands.close()
                await term.release()
                logger.info("leadership released", metadata: ["leader.election": .string(election.name)])
                throw error
            }
            await errands.close()
            if ended == .shutdown {
                // Said before the release: once released, another process may lead at once.
                logger.info("leader-only jobs stopped", metadata: ["leader.election": .string(election.name)])
            }
            await term.release()
            switch ended {
            case .lost:
                logger.warning(
                    "leadership lost; leader-only jobs stopped", metadata: ["leader.election": .string(election.name)])
            case .shutdown:
                logger.info("leadership released", metadata: ["leader.election": .string(election.name)])
            }
        }
    }

    private enum TermEnd { case lost, shutdown }

    /// The least time between two warnings of a failing election.
    static let warningInterval: Duration = .seconds(60)

    /// How each child of a term ends.
    private enum Outcome { case jobEnded, lost, unwatched, shutdown }

    /// Runs the jobs until they all end (shutdown) or the term is lost (then cancels them).
    ///
    /// The term is watched until the last job has returned, shutdown or not: a job still running
    /// while the session that holds the lock went unwatched (a PostgreSQL session without
    /// heartbeats is ended by the server after its idle timeout) would run beside the next leader.
    private func runJobs(during term: any Leadership) async throws -> TermEnd {
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            // Bound per job rather than once around the group: the term's watchers need no token.
            let token = term.fencingToken
            for job in jobs {
                group.addTask {
                    try await LeaderTerm.$fencingToken.withValue(token) { try await job.run() }
                    return .jobEnded
                }
            }
            // Any error but cancellation (a database session that broke, say) is a term that can
            // no longer be vouched for: another process may lead already, so the jobs stop as if it
            // were lost.
            group.addTask {
                do {
                    try await term.lost()
                    return .lost
                } catch is CancellationError {
                    return .unwatched
                } catch {
                    if Task.isCancelled { return .unwatched }
                    self.logger.warning(
                        "leadership could not be checked; treated as lost",
                        metadata: ["leader.election": .string(self.election.name),
                                   "error": .string(String(describing: error))])
                    return .lost
                }
            }
            // Jobs that had nothing to do leave the term held until shutdown.
            group.addTask {
                do {
                    try await gracefulShutdown()
                    return .shutdown
                } catch {
                    return .unwatched
                }
            }
            var running = jobs.count
            var shuttingDown = false
            while let outcome = try await group.next() {
                switch outcome {
                case .jobEnded: running -= 1
                case .shutdown: shuttingDown = true
                case .unwatched: break
                case .lost:
                    group.cancelAll()
                    // Every job must have ended before another term may start them again; how a
                    // cancelled job ends (an error, often) does not matter here.
                    try? await group.waitForAll()
                    return .lost
                }
                if running == 0 && (shuttingDown || Task.isCancelled) {
                    group.cancelAll()
                    try? await group.waitForAll()
                    return .shutdown
                }
            }
            return .shutdown
        }
    }
}
