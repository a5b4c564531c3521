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
                context.logger.error(
                    "request failed",
                    metadata: ["http.path": .string(request.uri.path), "error.type": .string(String(describing: type(of: error)))])
            }
            return try api.response(from: request, context: context)
        }
    }
}
