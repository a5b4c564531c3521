import AttuneCore
import AttuneEngine

/// Limits dashboard sign-in attempts with the API's token buckets: one bucket per client address
/// (a few guesses a minute) and one for everyone (so that many addresses cannot guess fast
/// either). A sign-in presents no key yet, so the per-key limiter of the API cannot apply.
final class SignInThrottle: Sendable {
    /// Per address: 10 at once, then one every 6 s.
    static let perClient = try! RateLimit(perSecond: 1.0 / 6, burst: 10)
    /// All addresses together: 50 at once, then 2 a second.
    static let overall = try! RateLimit(perSecond: 2, burst: 50)
    /// Addresses remembered; past it the table starts again (a flood of addresses still meets
    /// the overall bucket).
    static let maxClients = 10_000

    private let clients = Locked<[String: TokenBucket]>([:])
    private let everyone = TokenBucket(limit: SignInThrottle.overall)
    let now: @Sendable () -> UInt64

    init(now: @escaping @Sendable () -> UInt64) {
        self.now = now
    }

    /// Takes a token for an attempt from `address`; returns seconds to wait when refused.
    func admit(_ address: String?) -> Int? {
        let bucket = clients.withLock { table -> TokenBucket in
            let key = address ?? "unknown"
            if let bucket = table[key] { return bucket }
            if table.count >= Self.maxClients { table.removeAll(keepingCapacity: true) }
            let bucket = TokenBucket(limit: Self.perClient)
            table[key] = bucket
            return bucket
        }
        let time = now()
        for limiter in [bucket, everyone] {
            if case .limited(let nanoseconds) = limiter.acquire(now: time) {
                return Int(max(1, (nanoseconds + 999_999_999) / 1_000_000_000))
            }
        }
        return nil
    }
}
