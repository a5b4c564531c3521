import Hummingbird

/// Answers `405 Method Not Allowed` with an `Allow` header for a path the API serves under other
/// methods (`PATCH /v1/items/x`), where the router alone would say `404` as if the resource did
/// not exist.
///
/// It must be added after every route: the router then applies it to nothing but the requests no
/// route matched.
package struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's path segments (`nil` for a parameter) and method.
    let routes: [(segments: [Substring?], method: HTTPRequest.Method)]

    package init(routes: [Router<Context>.RouteDescription]) {
        self.routes = routes.map { route in
            let segments = route.path.description.split(separator: "/").map { segment -> Substring? in
                segment.hasPrefix(":") || segment.hasPrefix("{") ? nil : segment
            }
            return (segments, route.method)
        }
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path.split(separator: "/")
        let allowed = routes.filter { route in
            route.segments.count == path.count && zip(route.segments, path).allSatisfy { $0 == nil || $0 == $1 }
        }.map(\.method.rawValue)
        guard !allowed.isEmpty else { return try await next(request, context) }
        let methods = Set(allowed).sorted().joined(separator: ", ")
        var error = APIError(
            status: .methodNotAllowed, code: "method_not_allowed", message: "this path allows \(methods)")
        error.extraHeaders[.allow] = methods
        throw error
    }
}
