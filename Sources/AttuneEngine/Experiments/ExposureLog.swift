import AttuneCore
import AttuneStore
import Synchronization

/// Logs each unit's first exposure to an experiment once. The store's primary key is the real
/// de-duplication (across processes and restarts); this in-memory set only spares a write
/// transaction for units already logged by this process, which is nearly every request.
package final class ExposureLog: Sendable {
    private let seen = Mutex<Set<String>>([])
    /// Past this many remembered pairs the set starts over: a bound on memory, costing at most one
    /// redundant (ignored) insert per returning unit.
    let capacity: Int

    package init(capacity: Int = 1_000_000) {
        self.capacity = capacity
    }

    /// Records the exposure unless this process already has. Returns whether a write was attempted.
    @discardableResult
    package func record(_ exposure: Exposure, in workspace: WorkspaceID, store: any ExperimentStore) async throws -> Bool {
        let key = "\(workspace.rawValue)\u{1F}\(exposure.experiment.rawValue)\u{1F}\(exposure.unit)"
        let fresh = seen.withLock { set in
            if set.count >= capacity { set.removeAll(keepingCapacity: true) }
            return set.insert(key).inserted
        }
        guard fresh else { return false }
        do {
            try await store.recordExposures([exposure], in: workspace)
        } catch {
            _ = seen.withLock { $0.remove(key) }
            throw error
        }
        return true
    }
}
