import Hummingbird
import Logging

/// Turns every error into the API's error body, and logs server faults once.
package struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let api = APIError.from(error)
            if api.status.code >= 500 {
                // The route's template, not the path: a path holds user ids, which may be e-mail
                // addresses; the query string is never logged for the same reason.
                context.logger.error(
                    "request failed",
                    metadata: [
                        "http.method": .string(request.method.rawValue),
                        "http.route": .string(context.endpointPath ?? "unmatched"),
                        "error.type": .string(String(describing: type(of: error))),
                    ])
            }
            return try api.response(from: request, context: context)
        }
    }
}
