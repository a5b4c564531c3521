import AttuneCore
import ServiceLifecycle

/// Retrainings asked for by any process and run by whichever one leads: an API replica that sees
/// the served model's click-through drop cannot train (it does not lead), so it leaves the request
/// where the leader finds it. Without an implementation (processes on one data directory) a drop
/// seen by a replica only raises the alert.
package protocol RetrainingRequests: Sendable {
    /// Asks for a retraining of `workspace`; one already waiting absorbs this one.
    /// - Returns: whether a new request was left (`false`: one was already waiting).
    @discardableResult
    func request(_ workspace: WorkspaceID, reason: String) async throws -> Bool

    /// What the leader runs among its jobs: takes each request in turn and has `scheduler` train.
    func runner(_ scheduler: RetrainingScheduler) -> any Service
}
