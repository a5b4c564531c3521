import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// Re-evaluates every workspace's rule segments on an interval: rules with time windows
/// (`within: 7d`, `days_since`) change as time passes even for users who send no events.
package struct SegmentSweep: Service {
    let store: any SegmentStore & WorkspaceStore
    let clock: any WallClock
    let interval: Duration
    let logger: Logger

    package init(store: any SegmentStore & WorkspaceStore, clock: any WallClock, interval: Duration, logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            for workspace in (try? await store.workspaces()) ?? [] {
                if Task.isShuttingDownGracefully { return }
                do {
                    let changes = try await SegmentService(store: store, clock: clock).refresh(workspace)
                    logger.debug(
                        "segments refreshed",
                        metadata: [
                            "attune.workspace": .string(workspace.rawValue), "segments.entered": "\(changes.entered)",
                            "segments.left": "\(changes.left)",
                        ])
                } catch {
                    logger.warning(
                        "segment refresh failed",
                        metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error))])
                }
            }
        }
    }
}
