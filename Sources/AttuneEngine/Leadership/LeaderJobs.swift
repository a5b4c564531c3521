import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// The background jobs that must run in one process per data directory (per deployment, later),
/// whatever the number of processes serving the API: `attune worker` runs them, and so does
/// `attune serve --role all`, each under the same ``LeaderElection``; `--role api` runs none.
///
/// Why each is here rather than in every API process:
/// - scheduled retraining: costly, and each run writes a new model version; two processes would
///   train on the same events twice and publish two versions. Replicas pick the new version up
///   from the model files (``ModelWatcher``).
/// - learned segment training: rewrites the learned memberships; two would race and ids could flap.
/// - segment sweep: writes membership changes (the webhook outbox) and size history; twice would
///   record every size twice and contend for the write lock.
/// - webhook delivery: the cursor is stored after each delivery; two dispatchers would deliver
///   every change twice.
/// - profile audit: read-only but costly, and its finding is the same from any process.
/// - retention purge: deletes from the shared event log; once is enough.
/// - import folder: two scanners would import, and move, the same file.
/// - experiment monitor: stores bandit splits and stops experiments on a guardrail; one writer.
///
/// Not here, because each API process needs them for its own answers: the event writer, the model
/// watcher, the read-audit writer, the keyring refresher, online learning and the live catalogue
/// (both change that process's served copy of the model), and the click-through health check (it
/// judges what that process served; only the retraining it may ask for is leader-only).
package struct LeaderJobs: Sendable {
    package var store: any AttuneStorage
    package var clock: any WallClock
    package var models: ModelRegistry
    package var experiments: ExperimentService
    /// Background retraining; `nil` leaves training to `attune train`.
    package var retraining: RetrainingSchedule?
    /// Where retrained versions are published (PostgreSQL); `nil` on a shared data directory.
    package var modelPublisher: (any ModelPublisher)?
    /// How often learned segments are retrained; `nil` turns it off.
    package var segmentTrainingInterval: Duration?
    /// Delivers segment changes to webhooks; `nil` turns delivery off.
    package var webhookInterval: Duration? = .seconds(1)
    /// How often a sample of streamed profiles is checked against their events; `nil` turns it off.
    package var profileAuditInterval: Duration?
    /// How often every rule segment is re-evaluated for time windows; `nil` turns the sweep off.
    package var segmentSweepInterval: Duration? = .seconds(3_600)
    /// The event log's retention limit, purged hourly; `nil` keeps events forever.
    package var retention: RetentionPurge?
    /// Scans a watched import folder; `nil` turns it off.
    package var importFolder: ImportFolderService?
    /// How often bandit splits are updated and guardrails checked; `nil` turns both off.
    package var experimentMonitorInterval: Duration? = .seconds(60)

    package init(
        store: any AttuneStorage, clock: any WallClock, models: ModelRegistry, experiments: ExperimentService
    ) {
        self.store = store
        self.clock = clock
        self.models = models
        self.experiments = experiments
    }

    /// The jobs as services, and the retraining scheduler among them (when on) for a retraining
    /// asked for outside its schedule.
    package func services(logger: Logger) -> (jobs: [any Service], retraining: RetrainingScheduler?) {
        var jobs: [any Service] = []
        if let interval = segmentTrainingInterval {
            jobs.append(SegmentTrainingScheduler(store: store, clock: clock, interval: interval, logger: logger))
        }
        if let interval = webhookInterval {
            jobs.append(WebhookDispatcher(store: store, clock: clock, interval: interval, logger: logger))
        }
        if let interval = profileAuditInterval {
            jobs.append(ProfileAuditScheduler(store: store, interval: interval, logger: logger))
        }
        if let interval = segmentSweepInterval {
            jobs.append(SegmentSweep(store: store, clock: clock, interval: interval, logger: logger))
        }
        if let retention { jobs.append(RetentionService(purge: retention, logger: logger)) }
        if let importFolder { jobs.append(importFolder) }
        if let interval = experimentMonitorInterval {
            jobs.append(ExperimentMonitor(experiments: experiments, interval: interval, logger: logger))
        }
        var scheduler: RetrainingScheduler?
        if let retraining {
            let made = RetrainingScheduler(
                store: store, files: models.files, registry: models, clock: clock, schedule: retraining, logger: logger,
                publisher: modelPublisher)
            jobs.append(made)
            scheduler = made
        }
        return (jobs, scheduler)
    }
}
