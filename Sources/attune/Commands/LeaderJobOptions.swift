import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation
import Logging

/// The settings of the leader-only jobs (``LeaderJobs``), shared by `serve` (role all) and `worker`.
struct LeaderJobOptions: ParsableArguments {
    @Option(help: "Seconds between checks for retraining in the background; 0 turns it off.")
    var retrainSeconds: Double = 3_600

    @Option(help: "New events since the served model's training that trigger a retraining.")
    var retrainMinEvents: Int = 1_000

    @Option(help: "Model family the scheduled retraining trains.")
    var retrainModel: String = "hybrid"

    @Option(help: "Seconds of hyper-parameter search per scheduled retraining.")
    var retrainTimeBudget: Double = 60

    @Option(help: "Seconds between re-evaluations of every rule segment (for time windows); 0 turns it off.")
    var segmentSweepSeconds: Double = 3_600

    @Option(help: "Minutes between audits of a sample of streamed profiles against their events; 0 turns it off.")
    var profileAuditMinutes: Double = 360

    @Option(help: "Hours between retrainings of the learned segments (ids carry over); 0 turns it off.")
    var segmentTrainHours: Double = 24

    @Option(help: "Delete events older than this many days, hourly (default: keep them). Profiles are not recomputed.")
    var retentionDays: Int?

    @Option(
        name: .customLong("import-dir"),
        help: ArgumentHelp(
            """
            A folder watched for files to import into the default workspace (events-*, users-*, items-*, \
            transactions-*, consent-*); each is moved to done/ or failed/ with a report. Personal attributes \
            are pseudonymised under this process's --pii-field and --no-pseudonymize: give `attune worker` \
            the same personal-data flags as the API processes.
            """))
    var importDirectory: String?

    @Option(
        name: .customLong("import-done"),
        help: "What becomes of a file of --import-dir once imported: delete (default; its report stays in done/) or keep (moved to done/). Kept files hold the rows in clear, out of reach of erasure.")
    var importDone = "delete"

    @Option(help: "Seconds between scans of --import-dir; a file is imported once it is unchanged across two scans.")
    var importIntervalSeconds: Double = 60

    func validate() throws {
        if ImportedFilePolicy(rawValue: importDone) == nil { throw ValidationError("--import-done must be delete or keep") }
        guard retrainSeconds == 0 || (retrainSeconds >= 1 && retrainSeconds <= 7 * 86_400) else {
            throw ValidationError("--retrain-seconds must be 0 (off) or from 1 to 604800")
        }
        guard segmentTrainHours == 0 || (segmentTrainHours >= 0.1 && segmentTrainHours <= 24 * 30) else {
            throw ValidationError("--segment-train-hours must be 0 (off) or from 0.1 to 720")
        }
        guard profileAuditMinutes == 0 || (profileAuditMinutes >= 1 && profileAuditMinutes <= 7 * 1_440) else {
            throw ValidationError("--profile-audit-minutes must be 0 (off) or from 1 to 10080")
        }
        guard segmentSweepSeconds == 0 || (segmentSweepSeconds >= 1 && segmentSweepSeconds <= 7 * 86_400) else {
            throw ValidationError("--segment-sweep-seconds must be 0 (off) or from 1 to 604800")
        }
        guard importIntervalSeconds >= 0.1, importIntervalSeconds <= 86_400 else {
            throw ValidationError("--import-interval-seconds must be from 0.1 to 86400")
        }
        if let importDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: importDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--import-dir \(importDirectory) is not a folder")
            }
        }
        guard retrainMinEvents >= 1 else { throw ValidationError("--retrain-min-events must be positive") }
        if let retentionDays, !(1...RetentionPurge.maxDays).contains(retentionDays) {
            throw ValidationError("--retention-days must be from 1 to \(RetentionPurge.maxDays)")
        }
        guard ModelFamily(rawValue: retrainModel) != nil else {
            throw ValidationError("--retrain-model: unknown model family \"\(retrainModel)\"")
        }
        guard retrainTimeBudget >= 0, retrainTimeBudget <= 86_400 else {
            throw ValidationError("--retrain-time-budget must be from 0 to 86400")
        }
    }

    /// Sets `jobs` from these options.
    /// - Parameters:
    ///   - pii: pseudonymises what the import folder stores; `nil` stores it as sent.
    ///   - identifierKeys: the keys identifiers in imported files are hashed with.
    func configure(
        _ jobs: inout LeaderJobs, store: any AttuneStorage, clock: any WallClock, pii: PIIProtection?, identifierKeys: PIIKeys,
        logger: Logger
    ) throws {
        jobs.retraining = nil
        if retrainSeconds > 0, let family = ModelFamily(rawValue: retrainModel) {
            var schedule = RetrainingSchedule(
                interval: .milliseconds(Int64(retrainSeconds * 1000)), minimumNewEvents: retrainMinEvents, family: family)
            schedule.tuner.timeBudget = .milliseconds(Int64(retrainTimeBudget * 1000))
            jobs.retraining = schedule
        }
        jobs.segmentSweepInterval = segmentSweepSeconds > 0 ? .milliseconds(Int64(segmentSweepSeconds * 1000)) : nil
        jobs.segmentTrainingInterval = segmentTrainHours > 0 ? .milliseconds(Int64(segmentTrainHours * 3_600_000)) : nil
        jobs.profileAuditInterval = profileAuditMinutes > 0 ? .milliseconds(Int64(profileAuditMinutes * 60_000)) : nil
        jobs.retention = try retentionDays.map { try RetentionPurge(store: store, clock: clock, days: $0) }
        jobs.importFolder = nil
        if let importDirectory {
            var folder = ImportFolder(
                directory: importDirectory, clock: clock, logger: logger,
                importer: ImportFolder.importer(
                    store: store, clock: clock, consent: ConsentService(store: store, clock: clock, registry: jobs.models),
                    pii: pii, identity: IdentityResolution(store: store, clock: clock, keys: identifierKeys)))
            folder.imported = ImportedFilePolicy(rawValue: importDone) ?? .delete
            jobs.importFolder = ImportFolderService(folder: folder, interval: .milliseconds(Int64(importIntervalSeconds * 1000)))
        }
    }
}
