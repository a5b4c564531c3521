import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// Retrains the learned segments of every workspace on an interval. Cluster ids carry over from
/// one training to the next (clusters are matched to the previous centres), so `learned_2` keeps
/// naming the same group while its members move with their behaviour.
package struct SegmentTrainingScheduler: Service {
    let store: any AttuneStorage
    let clock: any WallClock
    let interval: Duration
    /// Workspaces with fewer profiles are skipped: clusters of a handful of users explain nothing.
    let minimumProfiles: Int
    let logger: Logger

    package init(store: any AttuneStorage, clock: any WallClock, interval: Duration, minimumProfiles: Int = 100, logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.minimumProfiles = minimumProfiles
        self.logger = logger
    }

    package func run() async throws {
        await PeriodicWork.forEachWorkspace(every: interval, of: store, logger: logger, job: "learned segment training") { workspace in
            guard try await store.profiles(in: workspace, after: nil, limit: minimumProfiles).count >= minimumProfiles else { return }
            let result = try await SegmentTraining(store: store, clock: clock).run(workspace: workspace)
            logger.info(
                "learned segments retrained",
                metadata: ["attune.workspace": .string(workspace.rawValue), "segments": .stringConvertible(result.segments.count),
                           "users": .stringConvertible(result.users)])
        }
    }
}
