import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// When the server retrains on its own.
package struct RetrainingSchedule: Sendable {
    /// How often to check; `nil` turns scheduled retraining off.
    package var interval: Duration?
    /// A workspace is retrained when it has at least this many events more than its served model
    /// was trained on (or, without a model, at least this many events).
    package var minimumNewEvents: Int
    package var family: ModelFamily
    package var tuner: ModelTuner

    package init(interval: Duration? = .seconds(3_600), minimumNewEvents: Int = 1_000, family: ModelFamily = .hybrid) {
        self.interval = interval
        self.minimumNewEvents = minimumNewEvents
        self.family = family
        tuner = ModelTuner()
        // One worker: the other core keeps answering requests while the model trains.
        tuner.threads = 1
    }
}

/// Retrains each workspace in the background when enough new events have arrived, then asks the
/// registry to promote the result (which it does only when the model is not worse on validation).
/// Serving never waits: the numeric work runs on a thread of its own and the registry swaps
/// models atomically.
package final class RetrainingScheduler: Service {
    let store: any AttuneStorage
    let files: ModelFiles
    let registry: ModelRegistry
    let clock: any WallClock
    let schedule: RetrainingSchedule
    let logger: Logger
    /// Where each new version is published (PostgreSQL); `nil` on a shared data directory.
    let publisher: (any ModelPublisher)?
    /// Events counted at the last training this process started, per workspace.
    private let trainedOn = Locked<[WorkspaceID: Int]>([:])
    /// Workspaces being trained now: the schedule, a click-through drop and a request from another
    /// process may all ask at once, and two trainings of one workspace would publish two versions.
    private let training = Locked<Set<WorkspaceID>>([])

    package init(
        store: any AttuneStorage, files: ModelFiles, registry: ModelRegistry, clock: any WallClock,
        schedule: RetrainingSchedule, logger: Logger, publisher: (any ModelPublisher)? = nil
    ) {
        self.publisher = publisher
        self.store = store
        self.files = files
        self.registry = registry
        self.clock = clock
        self.schedule = schedule
        self.logger = logger
    }

    package func run() async throws {
        guard let interval = schedule.interval else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            for workspace in (try? await store.workspaces()) ?? [] {
                // Cancelled (leadership lost) or shutting down: the remaining workspaces wait.
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                do {
                    // A shutdown stops a training in flight (within an epoch or a candidate) rather
                    // than letting it run for its whole budget and publish after the term.
                    _ = try await cancelWhenGracefulShutdown { try await self.retrainIfDue(workspace) }
                } catch where error is CancellationError || Task.isShuttingDownGracefully || Task.isCancelled {
                    // A store read cut short by the cancellation says so in its own words.
                    logger.info("retraining stopped", metadata: ["attune.workspace": .string(workspace.rawValue)])
                    return
                } catch {
                    logger.warning(
                        "scheduled retraining failed",
                        metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error))])
                }
            }
        }
    }

    /// Trains `workspace` when it is due; returns the new snapshot, or `nil` when it was not due.
    package func retrainIfDue(_ workspace: WorkspaceID) async throws -> ModelSnapshot? {
        if training.withLock({ $0.contains(workspace) }) { return nil }
        let events = try await store.stats(of: workspace).events
        var served = 0
        if case .number(let n)? = registry.model(for: workspace)?.snapshot.metadata["storedEvents"] { served = Int(n) }
        let baseline = max(trainedOn.withLock { $0[workspace] } ?? 0, served)
        guard events - baseline >= schedule.minimumNewEvents else { return nil }
        let previous = trainedOn.withLock { trained in
            defer { trained[workspace] = events }
            return trained[workspace]
        }
        do {
            return try await retrainNow(workspace, reason: "\(events - baseline) new events")
        } catch where error is CancellationError || Task.isCancelled {
            // Stopped, not failed: the next term (here or elsewhere) trains on these events.
            trainedOn.withLock { $0[workspace] = previous }
            throw CancellationError()
        } catch let refused as FencedWriteRefused {
            // Not this term's to publish: whoever leads now trains on these events.
            trainedOn.withLock { $0[workspace] = previous }
            throw refused
        }
    }

    /// Trains `workspace` now, whatever its event count (e.g. when the served model's
    /// click-through has dropped), and asks the registry to promote the result.
    /// - Throws: `AttuneError` `conflict` when a training of `workspace` is already running here.
    @discardableResult
    package func retrainNow(_ workspace: WorkspaceID, reason: String) async throws -> ModelSnapshot {
        guard training.withLock({ $0.insert(workspace).inserted }) else {
            throw AttuneError(code: .conflict, message: "a retraining of \(workspace) is already running")
        }
        defer { training.withLock { _ = $0.remove(workspace) } }
        logger.info(
            "retraining started", metadata: ["attune.workspace": .string(workspace.rawValue), "reason": .string(reason)])
        let snapshot = try await ModelTraining(store: store, files: files, clock: clock, publisher: publisher)
            .run(workspace: workspace, family: schedule.family, tuner: schedule.tuner)
        logger.info(
            "retraining finished",
            metadata: ["attune.workspace": .string(workspace.rawValue), "model.version": .stringConvertible(snapshot.version),
                       "model.family": .string(snapshot.family.rawValue)])
        try await registry.refreshOffThePool()
        return snapshot
    }
}
