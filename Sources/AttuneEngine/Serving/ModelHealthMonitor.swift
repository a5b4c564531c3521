import AttuneCore
import Logging
import Metrics
import ServiceLifecycle

/// On an interval, judges each workspace's served model by its click-through rate against the best
/// earlier version (``ModelHealthPolicy``) and, when it has dropped, raises the alert once per version
/// (log and metric) and asks for a retraining until one is started: a process that does not lead
/// now may lead later, and must then still act on the drop it saw.
package final class ModelHealthMonitor: Service {
    /// What the log says is done about a drop when no retraining is configured here.
    package static let noRetraining = "none (no retraining configured)"
    /// What the log says when the retraining declined (another process leads).
    package static let leftToLeader = "left to the leading process"

    let tracker: ClickThroughTracker
    let registry: ModelRegistry
    let policy: ModelHealthPolicy
    let interval: Duration
    let logger: Logger
    /// Starts a retraining of the workspace and returns `true`, or returns `false` when this process
    /// may not retrain now (another leads); `nil` only raises the alert.
    let retrain: (@Sendable (WorkspaceID) async throws -> Bool)?
    /// The action the log names when `retrain` is `nil`.
    let withoutRetraining: String
    /// Drops alerted (once per workspace and version) and drops acted on, by the same key.
    private let state = Locked<(alerted: Set<String>, handled: Set<String>)>(([], []))
    private let alerts = Counter(label: "attune_model_ctr_alerts_total")

    package init(
        tracker: ClickThroughTracker, registry: ModelRegistry, policy: ModelHealthPolicy = ModelHealthPolicy(),
        interval: Duration, logger: Logger, retrain: (@Sendable (WorkspaceID) async throws -> Bool)?,
        withoutRetraining: String = ModelHealthMonitor.noRetraining
    ) {
        self.tracker = tracker
        self.registry = registry
        self.policy = policy
        self.interval = interval
        self.logger = logger
        self.retrain = retrain
        self.withoutRetraining = withoutRetraining
    }

    package func run() async throws {
        await PeriodicWork.run(every: interval) { _ = await check() }
    }

    /// One round over all workspaces; returns the evidence of each alert raised in this round.
    package func check() async -> [String] {
        var raised: [String] = []
        for workspace in tracker.workspaces {
            guard let version = registry.model(for: workspace)?.version,
                let evidence = policy.verdict(current: version, counts: tracker.counts(in: workspace))
            else { continue }
            let key = "\(workspace.rawValue)\u{1F}\(version)"
            let (first, done) = state.withLock { ($0.alerted.insert(key).inserted, $0.handled.contains(key)) }
            if first {
                alerts.increment()
                raised.append(evidence)
                logger.warning(
                    "click-through dropped",
                    metadata: ["attune.workspace": .string(workspace.rawValue), "evidence": .string(evidence),
                               "action": .string(retrain == nil ? withoutRetraining : "retrain if this process leads")])
            }
            guard !done, let retrain else { continue }
            let acted: Bool
            do {
                acted = try await retrain(workspace)
            } catch {
                // Tried: a failed training is not started again every round.
                acted = true
                logger.warning(
                    "retraining after a click-through drop failed",
                    metadata: ["attune.workspace": .string(workspace.rawValue),
                               "error": .string(String(describing: error))])
            }
            if acted {
                state.withLock { _ = $0.handled.insert(key) }
            } else if first {
                logger.info(
                    "retraining after a click-through drop \(Self.leftToLeader)",
                    metadata: ["attune.workspace": .string(workspace.rawValue)])
            }
        }
        return raised
    }
}
