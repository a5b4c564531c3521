import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// The loop every background job of the server shares: wait an interval, then do the work for
/// each workspace, until the service group shuts down. A failure in one workspace is logged and
/// does not stop the others or the next round.
package enum PeriodicWork {
    /// Runs `body` every `interval` (first after one interval) until graceful shutdown or cancellation.
    package static func run(every interval: Duration, _ body: () async -> Void) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            await body()
        }
    }

    /// Runs `body` for each workspace every `interval`; `job` names it in failure logs.
    package static func forEachWorkspace(
        every interval: Duration, of store: any WorkspaceStore, logger: Logger, job: String,
        _ body: (WorkspaceID) async throws -> Void
    ) async {
        await run(every: interval) {
            for workspace in (try? await store.workspaces()) ?? [] {
                // Cancelled (leadership lost) or shutting down: the remaining workspaces wait.
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                do {
                    try await body(workspace)
                } catch {
                    logger.warning(
                        "\(job) failed",
                        metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error))])
                }
            }
        }
    }
}
