/// Request size limits. Defaults follow the API's documented bounds.
package struct ServerLimits: Sendable {
    /// `POST /v1/events`: a batch of up to 1,000 events or 1 MiB.
    package var maxEventBodyBytes = 1 << 20
    /// Bodies of single-resource calls (an item, an identify call).
    package var maxSmallBodyBytes = 256 << 10
    /// `POST /v1/items`: a batch of up to 1,000 items.
    package var maxItemBodyBytes = 8 << 20
    /// Requests answered at once; more are refused with 503 and `Retry-After` (load shedding).
    package var maxInFlightRequests = 512
    /// A connection with no traffic for this long is closed.
    package var idleTimeout: Duration = .seconds(60)

    package init() {}
}

/// How `attune serve` listens.
package struct ServerConfiguration: Sendable {
    /// Loopback by default: exposing the API is a decision, not an accident.
    package var host = "127.0.0.1"
    package var port = 8080
    package var limits = ServerLimits()

    package init() {}
}
