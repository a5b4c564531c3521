import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// Re-evaluates every workspace's rule segments on an interval: rules with time windows
/// (`within: 7d`, `days_since`) change as time passes even for users who send no events. Each
/// round also records every segment's size, kept for `sizeHistory`, for the dashboard's chart.
package struct SegmentSweep: Service {
    let store: any SegmentStore & WorkspaceStore & ActivityStore
    let clock: any WallClock
    let interval: Duration
    let logger: Logger
    /// How long recorded segment sizes are kept.
    package static let sizeHistory: Duration = .seconds(90 * 86_400)

    package init(store: any SegmentStore & WorkspaceStore & ActivityStore, clock: any WallClock, interval: Duration, logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await PeriodicWork.forEachWorkspace(every: interval, of: store, logger: logger, job: "segment refresh") { workspace in
            let changes = try await SegmentService(store: store, clock: clock).refresh(workspace)
            let now = clock.now()
            try await store.recordSegmentSizes(
                in: workspace, at: now,
                keepingSince: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - Self.sizeHistory.components.seconds * 1_000))
            logger.debug(
                "segments refreshed",
                metadata: [
                    "attune.workspace": .string(workspace.rawValue), "segments.entered": "\(changes.entered)",
                    "segments.left": "\(changes.left)",
                ])
        }
    }
}
