import AttuneCore
import AttuneEngine
import Hummingbird
import Logging
import NIOCore

/// Per-request context: Hummingbird's core storage plus the authenticated caller.
package struct AppRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// Set by `APIKeyMiddleware`; `nil` only on the public routes.
    package var principal: Principal?
    /// The connection, for its peer's address: spelling that out on every request cost a string
    /// per request that only the dashboard's sign-in reads.
    private let channel: any Channel

    package init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.channel = source.channel
    }

    /// The peer's IP address, when the connection has one (the dashboard's sign-in throttle).
    package var remoteAddress: String? { channel.remoteAddress?.ipAddress }

    /// The caller, provided its scope allows `scope`.
    /// - Throws: `AttuneError` `unauthorized` without a key, `forbidden` for a key whose scope
    ///   does not cover the route.
    package func require(_ scope: AccessScope) throws(AttuneError) -> Principal {
        guard let principal else {
            throw AttuneError(code: .unauthorized, message: "an API key is required")
        }
        guard principal.scope.permits(scope) else {
            throw AttuneError(code: .forbidden, message: "this key's scope (\(principal.scope.rawValue)) does not allow this request; it needs \(scope.rawValue)")
        }
        return principal
    }
}
