import AttuneCore
import AttuneEngine
import Logging
import ServiceLifecycle

/// ``RetrainingRequests`` as rows of the shared job queue: any replica enqueues a `retrain` job
/// (one pending per workspace: a second alert while it waits adds nothing) and the leading worker's
/// ``PostgresJobWorker`` claims it and trains.
package struct PostgresRetrainingRequests: RetrainingRequests {
    package static let kind = "retrain"

    let queue: PostgresJobQueue
    let clock: any WallClock
    /// Recorded with each claim, for operators.
    let workerName: String
    let logger: Logger

    package init(queue: PostgresJobQueue, clock: any WallClock, workerName: String, logger: Logger) {
        self.queue = queue
        self.clock = clock
        self.workerName = workerName
        self.logger = logger
    }

    @discardableResult
    package func request(_ workspace: WorkspaceID, reason: String) async throws -> Bool {
        let job = try await queue.enqueue(
            JobRequest(
                kind: Self.kind, workspace: workspace, payload: .object([("reason", .string(reason))]),
                dedupKey: "retrain", maxAttempts: 3),
            at: clock.now())
        logger.info(
            "retraining requested", metadata: ["attune.workspace": .string(workspace.rawValue), "reason": .string(reason),
                                               "job.id": .stringConvertible(job.id), "job.created": .stringConvertible(job.created)])
        return job.created
    }

    package func runner(_ scheduler: RetrainingScheduler) -> any Service {
        PostgresJobWorker(
            queue: queue,
            handlers: [
                Self.kind: { job in
                    let reason = job.payload["reason"]?.stringValue ?? "requested"
                    do {
                        _ = try await scheduler.retrainNow(job.workspace, reason: reason)
                    } catch let error as AttuneError where error.code == .conflict {
                        // A training of the workspace is running here already: it answers the request.
                    }
                },
            ],
            name: workerName, clock: clock, logger: logger)
    }
}
