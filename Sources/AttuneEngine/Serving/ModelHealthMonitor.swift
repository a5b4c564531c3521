import AttuneCore
import Logging
import Metrics
import ServiceLifecycle

/// On an interval, judges each workspace's served model by its click-through rate against the best
/// earlier version (``ModelHealthPolicy``) and, when it has dropped, starts a retraining once per
/// version, logging the evidence.
package final class ModelHealthMonitor: Service {
    let tracker: ClickThroughTracker
    let registry: ModelRegistry
    let policy: ModelHealthPolicy
    let interval: Duration
    let logger: Logger
    /// Starts a retraining of the workspace; `nil` only logs the alert.
    let retrain: (@Sendable (WorkspaceID) async throws -> Void)?
    private let handled = Locked<Set<String>>([])
    private let alerts = Counter(label: "attune_model_ctr_alerts_total")

    package init(
        tracker: ClickThroughTracker, registry: ModelRegistry, policy: ModelHealthPolicy = ModelHealthPolicy(),
        interval: Duration, logger: Logger, retrain: (@Sendable (WorkspaceID) async throws -> Void)?
    ) {
        self.tracker = tracker
        self.registry = registry
        self.policy = policy
        self.interval = interval
        self.logger = logger
        self.retrain = retrain
    }

    package func run() async throws {
        await PeriodicWork.run(every: interval) { _ = await check() }
    }

    /// One round over all workspaces; returns the evidence of each alert raised.
    package func check() async -> [String] {
        var raised: [String] = []
        for workspace in tracker.workspaces {
            guard let version = registry.model(for: workspace)?.version,
                let evidence = policy.verdict(current: version, counts: tracker.counts(in: workspace)),
                handled.withLock({ $0.insert("\(workspace.rawValue)\u{1F}\(version)").inserted })
            else { continue }
            alerts.increment()
            raised.append(evidence)
            logger.warning(
                "click-through dropped; retraining",
                metadata: ["attune.workspace": .string(workspace.rawValue), "evidence": .string(evidence),
                           "action": .string(retrain == nil ? "none (no retraining configured)" : "retrain")])
            do {
                try await retrain?(workspace)
            } catch {
                logger.warning(
                    "retraining after a click-through drop failed",
                    metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error))])
            }
        }
        return raised
    }
}
