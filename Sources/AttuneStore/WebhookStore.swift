import AttuneCore

/// Webhook subscriptions with their delivery state, the segment changes they read from the event
/// log (the log is the outbox: nothing is lost if the process dies), and the dead letters.
package protocol WebhookStore: Sendable {
    /// Stores a subscription; its cursor starts at the newest event, so it receives what changes from now on.
    func createWebhook(_ webhook: Webhook, in workspace: WorkspaceID) async throws -> Webhook
    func webhooks(in workspace: WorkspaceID) async throws -> [Webhook]
    /// - Returns: `false` when there was no such webhook.
    func deleteWebhook(_ id: String, in workspace: WorkspaceID) async throws -> Bool
    func updateDelivery(of webhook: Webhook, in workspace: WorkspaceID) async throws

    /// Segment changes after `cursor` in log order, at most `limit`, and the sequence the scan
    /// covered (move the cursor there when none is left to deliver).
    func segmentChanges(in workspace: WorkspaceID, after cursor: Int64, limit: Int) async throws
        -> (changes: [SegmentChange], scannedTo: Int64)

    func addDeadLetter(_ letter: DeadLetter, in workspace: WorkspaceID) async throws
    func deadLetters(of webhook: String, in workspace: WorkspaceID, limit: Int) async throws -> [DeadLetter]
}
