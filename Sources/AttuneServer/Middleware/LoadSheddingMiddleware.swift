import Hummingbird
import Synchronization

/// Caps the requests being answered at once. Past the cap a request is refused at once with 503
/// and `Retry-After`, so that a saturated server keeps answering what it admitted in good time
/// instead of queueing everything until every client times out. Health and metrics are exempt,
/// so that monitoring still sees a loaded server.
package struct LoadSheddingMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: InFlightLimiter

    package init(limiter: InFlightLimiter) {
        self.limiter = limiter
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" || path == "/metrics" { return try await next(request, context) }
        guard limiter.acquire() else {
            var error = APIError(
                status: .serviceUnavailable, code: "overloaded",
                message: "the server is at its limit of \(limiter.limit) requests in progress; retry shortly")
            error.extraHeaders[.retryAfter] = "1"
            throw error
        }
        defer { limiter.release() }
        return try await next(request, context)
    }
}

/// A counter of requests in progress with a ceiling; lock-free, one atomic add per request.
package final class InFlightLimiter: Sendable {
    package let limit: Int
    private let current = Atomic<Int>(0)

    package init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot, or returns false when all are taken.
    package func acquire() -> Bool {
        let now = current.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        if now <= limit { return true }
        current.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        return false
    }

    package func release() {
        current.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }

    package var inProgress: Int { current.load(ordering: .relaxed) }
}
