import AttuneEngine
import NIOSSL

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
    /// A connection with no traffic for this long is closed (between requests, and inside a
    /// request body: a body that stalls for this long ends the connection).
    package var idleTimeout: Duration = .seconds(60)
    /// A new connection whose first request head is not complete this long after it was accepted
    /// is answered `408` and closed, however slowly it keeps sending (TLS handshake included).
    package var headerTimeout: Duration = .seconds(20)

    package init() {}
}

/// How `attune serve` listens.
package struct ServerConfiguration: Sendable {
    /// Loopback by default: exposing the API is a decision, not an accident.
    package var host = "127.0.0.1"
    package var port = 8080
    package var limits = ServerLimits()
    /// Each key's request rate unless the key has its own; `nil` turns limiting off.
    /// Default: 100 requests per second with bursts of 200, per key.
    package var rateLimit: RateLimit? = ServerConfiguration.defaultRateLimit
    /// HTTPS when set (`TLSFiles.serverConfiguration`); plain HTTP otherwise.
    package var tls: TLSConfiguration?
    /// Web origins (`https://shop.example`) whose pages may call the API; none by default.
    package var corsOrigins: [String] = []
    /// Threads that read and write connections; `nil` shares NIO's, one per core. Handlers run on
    /// Swift's pool (one thread per core) beside them. Fewer loops than cores suits a server that
    /// mostly computes recommendations: on 2 cores, one loop cost a recommendation 7 to 15% less
    /// CPU under saturation (the loops idle less while handlers compute, and are woken less often
    /// for responses) but answered 15 to 35% fewer `/healthz` requests, as plain reading and
    /// writing (event ingestion too) has one thread where it had two.
    package var eventLoops: Int?
    /// How often the keyring rereads the stored keys: a revoked key stops working within it.
    package var keyReloadInterval: Duration = .seconds(1)

    /// How long a dashboard sign-in lasts.
    package var dashboardSessionLifetime: Duration = .seconds(8 * 3_600)
    /// Secret: the key that signs dashboard session cookies. `nil` draws a random one at start, so
    /// a restart signs everyone out; servers sharing sign-ins behind one address need the same one.
    package var dashboardSessionSecret: [UInt8]?

    package static let defaultRateLimit = try? RateLimit(perSecond: 100, burst: 200)

    package init() {}

    /// The security-relevant settings in one stable line, audited when it changes.
    package var auditSummary: String {
        let rate = rateLimit.map { "\($0.perSecond)/s burst \($0.burst)" } ?? "off"
        let cors = corsOrigins.isEmpty ? "none" : corsOrigins.sorted().joined(separator: ",")
        return "host=\(host) port=\(port) tls=\(tls == nil ? "off" : "on") rate=\(rate) cors=\(cors)"
            + " maxEventBody=\(limits.maxEventBodyBytes) maxItemBody=\(limits.maxItemBodyBytes)"
            + " headerTimeout=\(limits.headerTimeout) idleTimeout=\(limits.idleTimeout)"
    }
}
