import AttuneCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The model each workspace is served from. Readers take the current `ServingModel` (an
/// immutable value); a newer snapshot on disk is loaded off the request path and swapped in
/// whole, so one response never mixes two versions.
package final class ModelRegistry: Sendable {
    private let files: ModelFiles
    private let current = Mutex<[WorkspaceID: ServingModel]>([:])
    private let logger: Logger

    package init(files: ModelFiles, logger: Logger) {
        self.files = files
        self.logger = logger
    }

    package func model(for workspace: WorkspaceID) -> ServingModel? {
        current.withLock { $0[workspace] }
    }

    /// Loads the newest snapshot of every workspace that has a newer one than the one served.
    /// A snapshot that fails to load is logged and skipped; the served model stays.
    package func refresh() {
        let workspaces = (try? FileManager.default.contentsOfDirectory(atPath: files.directory.path)) ?? []
        for name in workspaces {
            guard let workspace = try? WorkspaceID(validating: name) else { continue }
            guard let newest = files.versions(in: workspace).last else { continue }
            if let served = model(for: workspace), served.version >= newest { continue }
            do {
                let snapshot = try files.load(version: newest, in: workspace)
                let serving = ServingModel(snapshot: snapshot)
                current.withLock { $0[workspace] = serving }
                logger.info(
                    "model promoted",
                    metadata: ["attune.workspace": .string(name), "model.version": .stringConvertible(newest),
                               "model.family": .string(snapshot.family.rawValue)])
            } catch {
                logger.warning(
                    "model not promoted: snapshot failed to load",
                    metadata: ["attune.workspace": .string(name), "model.version": .stringConvertible(newest),
                               "error": .string(String(describing: error))])
            }
        }
    }
}

/// Polls the model directory and promotes new snapshots while the server runs.
package struct ModelWatcher: Service {
    let registry: ModelRegistry
    let interval: Duration

    package init(registry: ModelRegistry, interval: Duration = .seconds(5)) {
        self.registry = registry
        self.interval = interval
    }

    package func run() async throws {
        registry.refresh()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            registry.refresh()
        }
    }
}
