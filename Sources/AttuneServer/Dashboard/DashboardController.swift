import AttuneCore
import AttuneEngine
import Foundation
import Hummingbird
import Logging

/// What a dashboard page renders from: the server's services and the signed-in admin.
struct DashboardContext: Sendable {
    var dependencies: ServerDependencies
    var principal: Principal
    var viewer: DashboardLayout.Viewer
    var now: Timestamp

    var workspace: WorkspaceID { principal.workspace }
}

/// `/dashboard`: server-rendered pages for operators, signed in with an admin key.
///
/// Pages need a session cookie (``DashboardSessions``) and redirect to the sign-in form without
/// one. The two forms that change state (sign-in, sign-out) are posted only from this site: the
/// cookie is `SameSite=Strict`, the `Origin` (or `Referer`) must name this host, and sign-out
/// also carries a token derived from the session.
struct DashboardController: Sendable {
    let dependencies: ServerDependencies
    let sessions: DashboardSessions
    let throttle: SignInThrottle
    let secureCookie: Bool
    /// Signed-out tokens until they expire: a copied cookie stops working at sign-out.
    let signedOut = SignedOutTokens()

    init(configuration: ServerConfiguration, dependencies: ServerDependencies) {
        self.dependencies = dependencies
        sessions = DashboardSessions(
            secret: configuration.dashboardSessionSecret, lifetime: configuration.dashboardSessionLifetime)
        throttle = SignInThrottle(now: dependencies.monotonicNow)
        secureCookie = configuration.tls != nil
    }

    static let loginPath = "/dashboard/login"

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/dashboard/login", use: loginForm)
        router.post("/dashboard/login", use: login)
        router.post("/dashboard/logout", use: logout)
        router.get("/dashboard", use: page(.overview, OverviewPage.render))
        router.get("/dashboard/users", use: page(.users, UserPage.render))
        router.get("/dashboard/segments", use: page(.segments, SegmentsPage.render))
        router.get("/dashboard/models", use: page(.models, ModelsPage.render))
        router.get("/dashboard/experiments", use: page(.experiments, ExperimentsPage.render))
    }

    // MARK: Pages

    typealias Renderer = @Sendable (DashboardContext, Request) async throws -> HTML

    private func page(
        _ section: DashboardLayout.Section, _ render: @escaping Renderer
    ) -> @Sendable (Request, AppRequestContext) async throws -> Response {
        { request, context in
            guard let dashboard = signedIn(request) else { return DashboardLayout.redirect(to: Self.loginPath) }
            do {
                let body = try await render(dashboard, request)
                return DashboardLayout.response(
                    DashboardLayout.page(title: section.title, section: section, viewer: dashboard.viewer, body: body))
            } catch {
                context.logger.error(
                    "dashboard page failed",
                    metadata: ["http.path": .string(request.uri.path), "error.type": .string(String(describing: type(of: error)))])
                let body: HTML = "<p class=\"error\">This page could not be drawn: the server hit an error (it is logged).</p>"
                return DashboardLayout.response(
                    DashboardLayout.page(title: section.title, section: section, viewer: dashboard.viewer, body: body),
                    status: .internalServerError)
            }
        }
    }

    /// The signed-in admin of a request, if its session cookie is valid and its key still live.
    func signedIn(_ request: Request) -> DashboardContext? {
        let now = dependencies.clock.now()
        guard let token = request.cookies[DashboardSessions.cookieName]?.value,
            let claims = sessions.verify(token, now: now),
            !signedOut.contains(token, now: now),
            let principal = dependencies.keyring.principal(keyID: claims.keyID),
            principal.scope == .admin, principal.workspace == claims.workspace
        else { return nil }
        let viewer = DashboardLayout.Viewer(
            workspace: principal.workspace.rawValue, keyID: principal.keyID, csrf: sessions.csrfToken(for: token))
        return DashboardContext(dependencies: dependencies, principal: principal, viewer: viewer, now: now)
    }

    // MARK: Sign-in and sign-out

    @Sendable func loginForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        if signedIn(request) != nil { return DashboardLayout.redirect(to: "/dashboard") }
        return DashboardLayout.response(LoginPage.render(error: nil))
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard Self.isSameOrigin(request) else {
            return DashboardLayout.response(
                LoginPage.render(error: "The sign-in was refused: it was not sent from this site's own form."), status: .forbidden)
        }
        if let wait = throttle.admit(context.remoteAddress) {
            var response = DashboardLayout.response(
                LoginPage.render(error: "Too many sign-in attempts. Try again in \(wait) s."), status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let fields: [String: String]
        do {
            fields = try await FormBody.fields(of: request)
        } catch let error as AttuneError {
            let status: HTTPResponse.Status =
                error.code == .payloadTooLarge ? .contentTooLarge : error.code == .unsupportedMediaType ? .unsupportedMediaType : .badRequest
            return DashboardLayout.response(LoginPage.render(error: "The form could not be read."), status: status)
        }
        let audit = dependencies.audit
        guard let presented = fields["key"]?.trimmingCharacters(in: .whitespaces), !presented.isEmpty,
            let principal = await dependencies.keyring.authenticate(presented)
        else {
            try await audit.record(.dashboardSignInRefused, actor: "dashboard", detail: "unknown or revoked key")
            return DashboardLayout.response(
                LoginPage.render(error: "That key is not a live admin key."), status: .unauthorized)
        }
        guard principal.scope == .admin else {
            try await audit.record(
                .dashboardSignInRefused, actor: principal.keyID, workspace: principal.workspace,
                detail: "scope \(principal.scope.rawValue)")
            return DashboardLayout.response(
                LoginPage.render(error: "That key is not a live admin key."), status: .forbidden)
        }
        // Refused when it cannot be audited, as profile reads are.
        try await audit.record(.dashboardSignIn, actor: principal.keyID, workspace: principal.workspace)
        let token = sessions.issue(for: principal, now: dependencies.clock.now())
        var response = DashboardLayout.redirect(to: "/dashboard")
        response.setCookie(sessionCookie(token, maxAge: Int(sessions.lifetime.components.seconds)))
        return response
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard Self.isSameOrigin(request) else {
            return DashboardLayout.response(
                LoginPage.render(error: "The sign-out was refused: it was not sent from this site's own form."), status: .forbidden)
        }
        guard let dashboard = signedIn(request), let token = request.cookies[DashboardSessions.cookieName]?.value else {
            return DashboardLayout.redirect(to: Self.loginPath)
        }
        let fields = (try? await FormBody.fields(of: request)) ?? [:]
        guard let csrf = fields["csrf"], sessions.csrfMatches(csrf, token: token) else {
            return DashboardLayout.response(
                LoginPage.render(error: "The sign-out was refused: the form was not this session's."), status: .forbidden)
        }
        if let claims = sessions.verify(token, now: dashboard.now) { signedOut.insert(token, until: claims.expires, now: dashboard.now) }
        try await dependencies.audit.record(
            .dashboardSignOut, actor: dashboard.principal.keyID, workspace: dashboard.principal.workspace)
        var response = DashboardLayout.redirect(to: Self.loginPath)
        response.setCookie(sessionCookie("", maxAge: 0))
        return response
    }

    private func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: DashboardSessions.cookieName, value: value, maxAge: maxAge, path: "/dashboard", secure: secureCookie,
            httpOnly: true, sameSite: .strict)
    }

    /// Whether a form post names this host as its origin (`Origin`, else `Referer`). Browsers
    /// send `Origin` with every form post; a post without either is refused.
    static func isSameOrigin(_ request: Request) -> Bool {
        guard let host = request.head.authority ?? request.headers[.init("Host")!], !host.isEmpty else { return false }
        guard let source = request.headers[.origin] ?? request.headers[.referer], source != "null",
            let separator = source.range(of: "://")
        else { return false }
        let authority = source[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return authority.lowercased() == host.lowercased()
    }
}

/// Session tokens signed out before their expiry, remembered until then.
final class SignedOutTokens: Sendable {
    private let tokens = Locked<[String: Int64]>([:])

    func insert(_ token: String, until expiry: Timestamp, now: Timestamp) {
        tokens.withLock { table in
            table = table.filter { $0.value > now.millisecondsSinceEpoch }
            table[token] = expiry.millisecondsSinceEpoch
        }
    }

    func contains(_ token: String, now: Timestamp) -> Bool {
        tokens.withLock { ($0[token] ?? .min) > now.millisecondsSinceEpoch }
    }
}
