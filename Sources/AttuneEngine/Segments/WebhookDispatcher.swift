import AttuneCore
import AttuneStore
import Logging
import ServiceLifecycle

/// Delivers segment changes to webhooks, in log order per webhook, at least once. A failed
/// delivery is retried with exponential back-off (1 s, 2 s, 4 s, ... by default, at most an hour
/// apart); after `maxAttempts` the change goes to the webhook's dead letters and delivery moves on.
/// The event log is the outbox and each webhook's cursor is stored after every delivery, so a
/// restart resumes where it stopped (a delivery in flight at a crash may be repeated: receivers
/// de-duplicate on `X-Attune-Delivery`).
package final class WebhookDispatcher: Service {
    let store: any AttuneStorage
    let transport: any WebhookTransport
    let clock: any WallClock
    let interval: Duration
    let maxAttempts: Int
    let baseDelayMilliseconds: Int64
    let logger: Logger
    static let pageSize = 100

    package init(
        store: any AttuneStorage, transport: any WebhookTransport = HTTPWebhookTransport(), clock: any WallClock,
        interval: Duration = .seconds(1), maxAttempts: Int = 8, baseDelayMilliseconds: Int64 = 1_000, logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.clock = clock
        self.interval = interval
        self.maxAttempts = maxAttempts
        self.baseDelayMilliseconds = baseDelayMilliseconds
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for workspace in (try? await store.workspaces()) ?? [] {
                // A round can take minutes (each POST may wait 10 s for an endpoint that does not
                // answer): shutdown cancels it rather than wait; what was not sent goes next time.
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                do {
                    _ = try await cancelWhenGracefulShutdown { try await self.deliver(in: workspace) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning(
                        "webhook delivery failed",
                        metadata: ["attune.workspace": .string(workspace.rawValue), "error": .string(String(describing: error))])
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
        }
    }

    /// One round: every webhook that is due gets its pending changes. Returns how many were delivered.
    @discardableResult
    package func deliver(in workspace: WorkspaceID) async throws -> Int {
        var delivered = 0
        for var hook in try await store.webhooks(in: workspace) where hook.nextAttemptAt <= clock.now().millisecondsSinceEpoch {
            try Task.checkCancellation()
            let (changes, scannedTo) = try await store.segmentChanges(in: workspace, after: hook.cursor, limit: Self.pageSize)
            var blocked = false
            for change in changes {
                if let segment = hook.segment, segment != change.segment {
                    hook.cursor = change.sequence
                    continue
                }
                let failure = await send(change, to: hook)
                // Stopped by shutdown, not refused by the endpoint: no attempt is counted and the
                // cursor stays, so the change is sent again by the next round (at least once).
                try Task.checkCancellation()
                if let failure {
                    hook.attempts += 1
                    hook.lastError = failure
                    if hook.attempts >= maxAttempts {
                        try await store.addDeadLetter(
                            DeadLetter(webhook: hook.id, change: change, error: failure, time: clock.now()), in: workspace)
                        logger.warning(
                            "webhook change dead-lettered",
                            metadata: ["attune.webhook": .string(hook.id), "error": .string(failure)])
                        hook.cursor = change.sequence
                        hook.attempts = 0
                    } else {
                        let delay = min(baseDelayMilliseconds << Int64(min(hook.attempts - 1, 30)), 3_600_000)
                        hook.nextAttemptAt = clock.now().millisecondsSinceEpoch + delay
                        blocked = true
                    }
                } else {
                    hook.cursor = change.sequence
                    hook.attempts = 0
                    hook.lastError = nil
                    delivered += 1
                }
                try await store.updateDelivery(of: hook, in: workspace)
                if blocked { break }
            }
            if !blocked, changes.count < Self.pageSize, scannedTo > hook.cursor {
                hook.cursor = scannedTo
                try await store.updateDelivery(of: hook, in: workspace)
            }
        }
        return delivered
    }

    /// Sends one change; returns why it failed, or nil.
    private func send(_ change: SegmentChange, to hook: Webhook) async -> String? {
        let delivery = "\(hook.id)-\(change.sequence)"
        let body = Array(
            JSONValue.object([
                ("id", .string(delivery)), ("type", .string(change.entered ? "segment.entered" : "segment.left")),
                ("segmentId", .string(change.segment.rawValue)), ("userId", .string(change.user.rawValue)),
                ("timestamp", .string(change.time.iso8601)), ("sequence", .number(Double(change.sequence))),
            ]).serialized().utf8)
        let timestamp = clock.now().millisecondsSinceEpoch / 1_000
        let headers = [
            ("Content-Type", "application/json"), ("User-Agent", "attune-webhooks"), ("X-Attune-Delivery", delivery),
            ("X-Attune-Timestamp", String(timestamp)),
            ("X-Attune-Signature", WebhookSignature.sign(secret: hook.secret, timestamp: timestamp, body: body)),
        ]
        do {
            let status = try await transport.post(url: hook.url, headers: headers, body: body, timeout: .seconds(10))
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            return "request failed: \(String(describing: error).prefix(200))"
        }
    }
}
