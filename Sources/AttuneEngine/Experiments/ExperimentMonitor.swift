import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// On an interval: moves the traffic of running bandit experiments towards their best variant, and
/// stops experiments whose guardrail a variant breaches (the always-valid test makes frequent
/// checks safe).
package struct ExperimentMonitor: Service {
    let experiments: ExperimentService
    let interval: Duration
    let logger: Logger

    package init(experiments: ExperimentService, interval: Duration, logger: Logger) {
        self.experiments = experiments
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await PeriodicWork.forEachWorkspace(every: interval, of: experiments.store, logger: logger, job: "experiment monitor") { workspace in
            // A failed bandit update must not keep guardrails from being checked.
            do {
                try await experiments.updateBandits(in: workspace)
            } catch {
                logger.warning(
                    "bandit update failed",
                    metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error))])
            }
            for action in try await experiments.enforceGuardrails(in: workspace) {
                logger.warning(
                    "experiment stopped automatically",
                    metadata: [
                        "attune.workspace": .string(workspace.rawValue),
                        "attune.experiment": .string(action.experiment.rawValue), "evidence": .string(action.evidence),
                    ])
            }
        }
    }
}
