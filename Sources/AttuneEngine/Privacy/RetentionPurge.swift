import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// The retention limit of the event log: events whose time is more than `days` days before now
/// are deleted. Profiles, activity summaries and trained models are derived totals and are not
/// recomputed by a purge (`attune profiles rebuild` does that on demand).
package struct RetentionPurge: Sendable {
    package static let maxDays = 36_500

    let store: any PersonalDataStore & AuditStore
    let clock: any WallClock
    let days: Int

    /// - Throws: `AttuneError` invalid value when `days` is not 1 to ``maxDays``.
    package init(store: any PersonalDataStore & AuditStore, clock: any WallClock, days: Int) throws {
        guard (1...Self.maxDays).contains(days) else {
            throw AttuneError.invalid("days", "must be from 1 to \(Self.maxDays)")
        }
        self.store = store
        self.clock = clock
        self.days = days
    }

    /// Deletes the events past the limit, audited when any were; returns how many.
    @discardableResult
    package func run(actor: String) async throws -> Int {
        let cutoff = Timestamp(millisecondsSinceEpoch: clock.now().millisecondsSinceEpoch - Int64(days) * 86_400_000)
        let deleted = try await store.purgeEvents(olderThan: cutoff, batchSize: 5_000)
        if deleted > 0 {
            try await AuditLog(store: store, clock: clock).record(
                .eventsPurged, actor: actor, detail: "events=\(deleted) before=\(cutoff.iso8601) days=\(days)")
        }
        return deleted
    }
}

/// Runs ``RetentionPurge`` on an interval (hourly by default) while the server runs.
package struct RetentionService: Service {
    /// The actor of scheduled purges in the audit log.
    package static let actor = "retention"

    let purge: RetentionPurge
    let interval: Duration
    let logger: Logger

    package init(purge: RetentionPurge, interval: Duration = .seconds(3_600), logger: Logger) {
        self.purge = purge
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let deleted = try await purge.run(actor: Self.actor)
                logger.info("retention purge done", metadata: ["events.deleted": "\(deleted)"])
            } catch {
                logger.warning("retention purge failed", metadata: ["error": .string(String(describing: error))])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
