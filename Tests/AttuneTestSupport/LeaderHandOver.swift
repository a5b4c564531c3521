import Foundation

/// Two processes must never lead at once: a standby may start the leader-only jobs only once the
/// previous leader has said they stopped ("leader-only jobs stopped", logged before it releases
/// the lock) or has exited.
extension RunningAttune {
    package enum HandOver: Equatable {
        /// This process leads, and the previous leader had stopped its jobs (or exited) first.
        case afterThePreviousStopped
        /// This process leads while the previous one still ran its jobs.
        case overlapping
        /// This process did not lead within a minute (or exited).
        case never
    }

    /// Waits until this process logs "leadership acquired" and says whether `previous` had stopped
    /// its jobs by then.
    package func handOver(from previous: RunningAttune) async throws -> HandOver {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline && process.isRunning {
            // This log first, then the previous one's: a stop read after the acquisition was seen
            // and still missing proves that both led at that moment.
            if log.contains("leadership acquired") {
                let stopped = previous.log.contains("leader-only jobs stopped") || !previous.process.isRunning
                return stopped ? .afterThePreviousStopped : .overlapping
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return .never
    }
}
