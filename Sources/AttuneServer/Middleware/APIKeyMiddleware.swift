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
        guard let header = try Self.authorization(request) else {
            if let key = Self.beaconKey(request) {
                return try await next(request, try await authenticated(key, context: context, inURL: true))
            }
            return try await next(request, context)
        }
        guard let key = Self.bearerKey(header) else {
            throw AttuneError(code: .unauthorized, message: "the Authorization header must be \"Bearer KEY\"")
        }
        return try await next(request, try await authenticated(key, context: context, inURL: false))
    }

    /// The one Authorization header, found without joining every value of the field into a new
    /// string as the fields' subscript does (this runs on every request).
    package static func authorization(_ request: Request) throws -> String? {
        var found: String?
        for field in request.headers where field.name == .authorization {
            guard found == nil else {
                throw AttuneError(code: .unauthorized, message: "send one Authorization header")
            }
            found = field.value
        }
        return found
    }

    /// The key of `Bearer KEY` (the scheme in any case, RFC 9110 §11.1), else `nil`.
    package static func bearerKey(_ header: String) -> String? {
        let scheme = "bearer ".utf8
        let bytes = header.utf8
        guard bytes.count > scheme.count else { return nil }
        var index = bytes.startIndex
        for expected in scheme {
            // ASCII letters lower-cased; the space and every other byte compare as they are.
            let byte = bytes[index]
            guard (expected == UInt8(ascii: " ") ? byte : byte | 0x20) == expected else { return nil }
            index = bytes.index(after: index)
        }
        let key = header[index...]
        guard !key.isEmpty, !key.hasPrefix(" ") else { return nil }
        return String(key)
    }

    /// `POST /v1/events?key=KEY`: `navigator.sendBeacon`, which a page uses while it is being
    /// closed, cannot set headers. Only this route takes a key in the URL, and only a write key,
    /// which is public by design; a secret key there is refused, as URLs end up in logs.
    static func beaconKey(_ request: Request) -> String? {
        guard request.method == .post, request.uri.path == "/v1/events" else { return nil }
        return request.uri.queryParameters["key"].map(String.init)
    }

    private func authenticated(_ key: String, context: AppRequestContext, inURL: Bool) async throws -> AppRequestContext {
        guard let principal = await keyring.authenticate(key) else {
            throw AttuneError(code: .unauthorized, message: "unknown or revoked API key")
        }
        if inURL, principal.scope != .write {
            throw AttuneError(
                code: .unauthorized, message: "only a write key may be sent in the URL; send other keys in the Authorization header")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "attune.workspace"] = .string(principal.workspace.rawValue)
        context.logger[metadataKey: "attune.key"] = .string(principal.keyID)
        return context
    }
}
