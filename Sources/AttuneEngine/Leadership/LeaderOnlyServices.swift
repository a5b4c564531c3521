import AttuneCore
import Logging
import ServiceLifecycle

/// Runs jobs only while this process leads: waits for leadership, runs every job, and when the
/// term is lost stops them (cancels them) and waits again; on graceful shutdown the jobs end as
/// they always do and leadership is released, so a waiting process takes over at once.
///
/// A job that returns early (one with nothing to do) leaves the others running and leadership held;
/// a job that throws ends the term and the service, as it would end the service group unwrapped.
package final class LeaderOnlyServices: Service, Sendable {
    let election: any LeaderElection
    let jobs: [any Service]
    let logger: Logger
    /// How long to wait before trying again when the election fails (not when another leads).
    let retryAfterFailure: Duration
    private let leading = Locked(false)

    package init(
        election: any LeaderElection, jobs: [any Service], logger: Logger, retryAfterFailure: Duration = .seconds(1)
    ) {
        self.election = election
        self.jobs = jobs
        self.logger = logger
        self.retryAfterFailure = retryAfterFailure
    }

    /// Whether this process leads now (for actions outside the jobs, like a retraining that a
    /// click-through alert asks for).
    package var isLeading: Bool { leading.withLock { $0 } }

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
            leading.withLock { $0 = true }
            logger.info(
                "leadership acquired",
                metadata: ["leader.election": .string(election.name), "leader.jobs": .stringConvertible(jobs.count)])
            let ended: TermEnd
            do {
                ended = try await runJobs(during: term)
            } catch {
                leading.withLock { $0 = false }
                await term.release()
                logger.info("leadership released", metadata: ["leader.election": .string(election.name)])
                throw error
            }
            leading.withLock { $0 = false }
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

    /// Runs the jobs until they all end (shutdown) or the term is lost (then cancels them).
    private func runJobs(during term: any Leadership) async throws -> TermEnd {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for job in jobs {
                group.addTask {
                    try await job.run()
                    return false
                }
            }
            // Returns true when the term is lost; false when shutdown or cancellation ends the wait.
            // Any other error (a database session that broke, say) is a term that can no longer
            // be vouched for: another process may lead already, so the jobs stop as if it were lost.
            group.addTask {
                do {
                    try await cancelWhenGracefulShutdown { try await term.lost() }
                    return true
                } catch is CancellationError {
                    return false
                } catch {
                    if Task.isShuttingDownGracefully || Task.isCancelled { return false }
                    self.logger.warning(
                        "leadership could not be checked; treated as lost",
                        metadata: ["leader.election": .string(self.election.name),
                                   "error": .string(String(describing: error))])
                    return true
                }
            }
            var running = jobs.count + 1
            while let lost = try await group.next() {
                running -= 1
                if lost {
                    group.cancelAll()
                    // Every job must have ended before another term may start them again; how a
                    // cancelled job ends (an error, often) does not matter here.
                    try? await group.waitForAll()
                    return .lost
                }
                if running == 0 { break }
            }
            return .shutdown
        }
    }
}
