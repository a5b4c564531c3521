import AttuneCore
import Hummingbird

/// Cross-origin access for the listed web origins only (browsers sending events with a write
/// key). A preflight `OPTIONS` from a listed origin is answered here; one from any other origin
/// passes on and meets the API's usual answer (405), so the browser refuses the call. Actual
/// requests from a listed origin get `Access-Control-Allow-Origin` with that origin, never `*`.
package struct CORSAllowListMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>
    static var allowedMethods: String { "GET, POST, PUT, DELETE" }
    static var allowedHeaders: String { "Authorization, Content-Type" }
    /// How long a browser may cache a preflight answer.
    static var maxAgeSeconds: String { "600" }

    package init(origins: [String]) {
        self.origins = Set(origins)
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin,
                    .accessControlAllowMethods: Self.allowedMethods,
                    .accessControlAllowHeaders: Self.allowedHeaders,
                    .accessControlMaxAge: Self.maxAgeSeconds,
                    .vary: "Origin",
                ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[values: .vary].append("Origin")
        response.headers[.accessControlExposeHeaders] = "Retry-After"
        return response
    }

    /// Checks an origin given by an operator: `scheme://host[:port]`, as browsers send it.
    /// - Throws: `AttuneError` `invalid_value` otherwise (a path, a wildcard, a trailing slash).
    package static func validate(_ origin: String) throws(AttuneError) {
        let invalid = AttuneError.invalid("cors-origin", "must be scheme://host[:port], e.g. https://shop.example")
        guard origin.utf8.count <= 255 else { throw invalid }
        let parts = origin.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "http" || parts[0] == "https" else { throw invalid }
        let authority = parts[1]
        guard !authority.isEmpty else { throw invalid }
        for byte in authority.utf8 {
            let ok = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            guard ok else { throw invalid }
        }
    }
}
