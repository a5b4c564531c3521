/// A subscriber to segment changes: every `segment_entered` / `segment_left` event (of one segment,
/// or all) is POSTed to `url`, signed with `secret`, in log order, at least once.
package struct Webhook: Sendable, Hashable {
    package var id: String
    package var url: String
    package var secret: String
    package var segment: SegmentID?
    package var createdAt: Timestamp
    /// Delivery state: the last event sequence handled (delivered or dead-lettered), failed attempts
    /// at the next one, when to try it again, and why it last failed.
    package var cursor: Int64
    package var attempts: Int
    package var nextAttemptAt: Int64
    package var lastError: String?

    package init(
        id: String, url: String, secret: String, segment: SegmentID?, createdAt: Timestamp, cursor: Int64,
        attempts: Int = 0, nextAttemptAt: Int64 = 0, lastError: String? = nil
    ) {
        self.id = id
        self.url = url
        self.secret = secret
        self.segment = segment
        self.createdAt = createdAt
        self.cursor = cursor
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }

    /// A URL a webhook may call: http or https, at most 2,048 bytes, with a host.
    package static func validatedURL(_ raw: String) throws(AttuneError) -> String {
        guard raw.utf8.count <= 2_048 else { throw .invalid("url", "must be at most 2048 bytes") }
        let lower = raw.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { throw .invalid("url", "must be an http or https URL") }
        let rest = raw.drop(while: { $0 != "/" }).dropFirst(2)
        guard let host = rest.split(separator: "/", maxSplits: 1).first, !host.isEmpty,
            raw.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw .invalid("url", "must name a host and contain no spaces or control characters") }
        return raw
    }
}

/// One segment change as a webhook delivers it.
package struct SegmentChange: Sendable, Hashable {
    package var sequence: Int64
    package var entered: Bool
    package var user: UserID
    package var segment: SegmentID
    package var time: Timestamp

    package init(sequence: Int64, entered: Bool, user: UserID, segment: SegmentID, time: Timestamp) {
        self.sequence = sequence
        self.entered = entered
        self.user = user
        self.segment = segment
        self.time = time
    }
}

/// A change that could not be delivered after every retry.
package struct DeadLetter: Sendable, Hashable {
    package var webhook: String
    package var change: SegmentChange
    package var error: String
    package var time: Timestamp

    package init(webhook: String, change: SegmentChange, error: String, time: Timestamp) {
        self.webhook = webhook
        self.change = change
        self.error = error
        self.time = time
    }
}
