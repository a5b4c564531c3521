import AttuneCore

/// A request rate: `perSecond` sustained, with up to `burst` requests at once.
package struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    /// The highest rate accepted anywhere (a typo guard; past it, turn limiting off instead).
    package static let maximumPerSecond = 1_000_000.0
    package static let maximumBurst = 1_000_000

    package let perSecond: Double
    package let burst: Int

    /// - Throws: `AttuneError` `invalid_value` unless `0 < perSecond ≤ 1e6` and `1 ≤ burst ≤ 1e6`.
    package init(perSecond: Double, burst: Int) throws(AttuneError) {
        guard perSecond.isFinite, perSecond > 0, perSecond <= Self.maximumPerSecond else {
            throw .invalid("rate", "must be more than 0 and at most 1000000 requests per second")
        }
        guard burst >= 1, burst <= Self.maximumBurst else {
            throw .invalid("burst", "must be from 1 to 1000000 requests")
        }
        self.perSecond = perSecond
        self.burst = burst
    }

    /// The nanoseconds one request uses up of the bucket (at least 1, so time always advances).
    var nanosecondsPerRequest: UInt64 { max(1, UInt64((1e9 / perSecond).rounded())) }

    package var description: String { "\(perSecond)/s burst \(burst)" }
}
