import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// Runs ``ProfileDriftAudit`` over every workspace on an interval and logs any drift, so that a
/// fault in the incremental profile path shows up without anyone asking.
package struct ProfileAuditScheduler: Service {
    let store: any AttuneStorage
    let interval: Duration
    let sample: Int
    let logger: Logger

    package init(store: any AttuneStorage, interval: Duration, sample: Int = 1_000, logger: Logger) {
        self.store = store
        self.interval = interval
        self.sample = sample
        self.logger = logger
    }

    package func run() async throws {
        await PeriodicWork.forEachWorkspace(every: interval, of: store, logger: logger, job: "profile audit") { workspace in
            let report = try await ProfileDriftAudit(store: store)
                .run(workspace: workspace, sample: sample, seed: UInt64.random(in: 0...UInt64.max))
            let metadata: Logger.Metadata = [
                "attune.workspace": .string(workspace.rawValue), "profiles.sampled": .stringConvertible(report.sampled),
                "profiles.drifted": .stringConvertible(report.drifted.count),
            ]
            if report.drifted.isEmpty {
                logger.info("profile audit: no drift", metadata: metadata)
            } else {
                // Ids are not logged: they may be personal data; `attune profiles audit` names them.
                logger.warning("profile audit: streamed profiles differ from their events; run `attune profiles rebuild`", metadata: metadata)
            }
        }
    }
}
