import AttuneCore
import AttuneEngine
import Hummingbird

/// Refuses a request with `429` when its key's token bucket is empty. Runs after
/// `APIKeyMiddleware`, which hands over the key's bucket with the principal: the check is one
/// atomic compare-and-exchange, with no lookup and no lock.
package struct RateLimitMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext

    /// Monotonic nanoseconds; tests pass a fixed clock so that no outcome depends on timing.
    let now: @Sendable () -> UInt64

    package init(now: @escaping @Sendable () -> UInt64) {
        self.now = now
    }

    package func handle(
        _ request: Request, context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let limiter = context.principal?.limiter else { return try await next(request, context) }
        switch limiter.acquire(now: now()) {
        case .admitted:
            return try await next(request, context)
        case .limited(let nanoseconds):
            // Whole seconds, rounded up and at least one: a client that waits that long gets in.
            let seconds = max(1, (nanoseconds + 999_999_999) / 1_000_000_000)
            var error = APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "this key's request rate limit is exceeded; retry after \(seconds) s")
            error.extraHeaders[.retryAfter] = String(seconds)
            throw error
        }
    }
}

/// Nanoseconds on the process's monotonic clock.
package let monotonicNanoseconds: @Sendable () -> UInt64 = {
    let origin = ContinuousClock.Instant.monotonicOrigin
    let elapsed = ContinuousClock.now - origin
    let (seconds, attoseconds) = elapsed.components
    return UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
}

extension ContinuousClock.Instant {
    /// A fixed instant taken once, from which monotonic nanoseconds are counted.
    fileprivate static let monotonicOrigin = ContinuousClock.now
}
