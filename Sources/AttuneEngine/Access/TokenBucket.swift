import Synchronization

/// A token bucket in its GCRA form: one atomic word, the "theoretical arrival time" (TAT) of the
/// next request, stands for the bucket's fill level. A request is admitted when the TAT lies at
/// most `burst` request-intervals ahead of now, and admitting it moves the TAT one interval on.
///
/// Lock-free: a compare-and-exchange loop, no allocation, so every request of every key can
/// pass through it without a shared lock. (GCRA: ATM Forum TM 4.0, the "virtual scheduling"
/// algorithm; equivalent to a bucket of `burst` tokens refilled at `perSecond`.)
package final class TokenBucket: Sendable {
    package enum Decision: Sendable, Equatable {
        case admitted
        /// Refused; a request would be admitted after this many nanoseconds.
        case limited(retryAfterNanoseconds: UInt64)
    }

    package let limit: RateLimit
    private let interval: UInt64
    private let tolerance: UInt64
    private let arrival = Atomic<UInt64>(0)

    package init(limit: RateLimit) {
        self.limit = limit
        interval = limit.nanosecondsPerRequest
        // The first `burst` requests of an idle bucket pass: the TAT may run that far ahead.
        let (product, overflow) = interval.multipliedReportingOverflow(by: UInt64(limit.burst))
        tolerance = overflow ? UInt64.max / 2 : product
    }

    /// Takes one token at monotonic time `now` (nanoseconds), if one is there.
    package func acquire(now: UInt64) -> Decision {
        var current = arrival.load(ordering: .relaxed)
        while true {
            let start = max(current, now)
            let next = start &+ interval
            let ahead = next - now
            if ahead > tolerance {
                return .limited(retryAfterNanoseconds: ahead - tolerance)
            }
            let (exchanged, original) = arrival.compareExchange(
                expected: current, desired: next, successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged { return .admitted }
            current = original
        }
    }
}
