import AttuneCore
import AttuneStore

/// Logs each unit's first exposure to an experiment once and remembers its variant. The store's
/// primary key is the real de-duplication (across processes and restarts); the in-memory map
/// spares a write transaction for units this process has already logged, which is nearly every
/// request, and keeps bandit assignments sticky without a read.
package final class ExposureLog: Sendable {
    private let seen = Locked<[String: Int]>([:])
    /// Past this many remembered pairs the map starts over: a bound on memory, costing at most one
    /// redundant (ignored) insert or one read per returning unit.
    let capacity: Int

    package init(capacity: Int = 1_000_000) {
        self.capacity = capacity
    }

    /// The variant this process knows the unit was exposed to.
    func variant(of experiment: ExperimentKey, unit: String, in workspace: WorkspaceID) -> Int? {
        seen.withLock { $0[Self.key(workspace, experiment, unit)] }
    }

    /// Records the exposure unless one is known; returns the variant the unit is held to, which
    /// differs from `exposure.variant` only when another process exposed it first.
    @discardableResult
    package func record(_ exposure: Exposure, in workspace: WorkspaceID, store: any ExperimentStore) async throws -> Int {
        let key = Self.key(workspace, exposure.experiment, exposure.unit)
        if let known = seen.withLock({ $0[key] }) { return known }
        var variant = exposure.variant
        if try await store.recordExposures([exposure], in: workspace) == 0 {
            variant = try await store.exposure(of: exposure.experiment, unit: exposure.unit, in: workspace) ?? variant
        }
        seen.withLock { map in
            if map.count >= capacity { map.removeAll(keepingCapacity: true) }
            map[key] = variant
        }
        return variant
    }

    private static func key(_ workspace: WorkspaceID, _ experiment: ExperimentKey, _ unit: String) -> String {
        "\(workspace.rawValue)\u{1F}\(experiment.rawValue)\u{1F}\(unit)"
    }
}
