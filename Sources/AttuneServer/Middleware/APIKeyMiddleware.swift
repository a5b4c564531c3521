import AttuneCore
import AttuneEngine
import Hummingbird
import Logging

/// Resolves `Authorization: Bearer KEY` to a principal. A request that presents no key passes
/// through unauthenticated (routes that need one answer 401); a key that is presented but
/// unknown is refused at once. Keys are never logged.
package struct APIKeyMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext

    let keyring: APIKeyring

    package init(keyring: APIKeyring) {
        self.keyring = keyring
    }

    package func handle(
        _ request: Request, context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw AttuneError(code: .unauthorized, message: "the Authorization header must be \"Bearer KEY\"")
        }
        guard let principal = await keyring.authenticate(String(parts[1])) else {
            throw AttuneError(code: .unauthorized, message: "unknown or revoked API key")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "attune.workspace"] = .string(principal.workspace.rawValue)
        context.logger[metadataKey: "attune.key"] = .string(principal.keyID)
        return try await next(request, context)
    }
}
