import Foundation

extension AttuneClient {
    /// How the client talks to the server; every field but the endpoint and key has a default.
    public struct Configuration: Sendable {
        /// The server, e.g. `https://attune.example` (no `/v1`).
        public var endpoint: URL
        /// A write key is enough for events, identify and consent.
        public var key: String
        /// Events per `POST /v1/events` (the server takes at most 1000).
        public var batchSize = 100
        /// How often `run()` sends what is queued.
        public var flushInterval: Duration = .seconds(5)
        /// Calls kept at most; the oldest are dropped beyond it.
        public var maxQueue = 10_000
        /// The first retry waits this long, each next one twice as long, up to `retryMax`.
        public var retryBase: Duration = .seconds(1)
        public var retryMax: Duration = .seconds(60)
        /// Each wait is shortened by up to this fraction at random, so that many clients that
        /// failed together do not retry together.
        public var jitter = 0.2
        /// Where the queue is kept across restarts; `nil` keeps it in memory only.
        public var queueDirectory: URL?
        public var consentPolicy = ConsentPolicy.notRequired
        /// The `source` recorded with consent changes.
        public var consentSource = "swift-client"

        public init(endpoint: URL, key: String) {
            self.endpoint = endpoint
            self.key = key
        }
    }

    /// Counts since the client started.
    public struct Statistics: Sendable, Hashable {
        /// Events the server stored, plus identify and consent calls it acknowledged.
        public var sent = 0
        /// Events the server counted as already stored (a retry of a call whose answer was lost).
        public var duplicates = 0
        /// Calls the server refused for good (invalid, wrong key), and events of a batch it rejected.
        public var rejected = 0
        /// Calls dropped unsent: a full queue, or no consent.
        public var dropped = 0
        /// Sends that failed and will be retried.
        public var failures = 0
    }

    /// What one `flush()` achieved.
    public enum FlushOutcome: Sendable, Hashable {
        /// Everything queued was sent (or refused for good).
        case drained
        /// The server could not be reached or asked to wait; this many calls remain queued.
        case retryLater(pending: Int)
        /// Another flush is running.
        case busy
    }
}
