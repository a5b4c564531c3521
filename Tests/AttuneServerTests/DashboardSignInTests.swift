import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The dashboard's sign-in: cookie sessions for admin keys only, refused forgeries, sign-out and
/// revocation, throttling and auditing.
struct DashboardSignInTests {
    static let pages = ["/dashboard", "/dashboard/users", "/dashboard/users?id=u1", "/dashboard/segments", "/dashboard/models",
                        "/dashboard/experiments", "/dashboard/experiments?key=e1"]

    @Test(arguments: pages)
    func withoutASessionEveryPageRedirectsToTheSignInForm(_ page: String) async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            let reply = try await DashboardBrowser().get(client, page)
            #expect(reply.status == 303)
            #expect(reply.headers[.location] == "/dashboard/login")
            #expect(reply.headers[.cacheControl] == "no-store")
            // An API key in the header does not open the dashboard either.
            let withKey = try await client.call(.get, page, key: TestServer.admin)
            #expect(withKey.status == 303)
        }
    }

    @Test func theFormIsServedWithStrictHeaders() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            let reply = try await DashboardBrowser().get(client, "/dashboard/login")
            #expect(reply.status == 200)
            #expect(reply.headers[.contentType] == "text/html; charset=utf-8")
            let policy = reply.headers[.contentSecurityPolicy] ?? ""
            #expect(policy.contains("default-src 'none'"))
            #expect(!policy.contains("script-src"))
            #expect(reply.headers[.init("X-Frame-Options")!] == "DENY")
            #expect(reply.headers[.cacheControl] == "no-store")
            #expect(reply.text.contains("name=\"key\""))
            #expect(MarkupCheck.problems(reply.text).isEmpty, "\(MarkupCheck.problems(reply.text))")
        }
    }

    @Test func anAdminKeySignsInWithASignedHttpOnlyStrictCookieThatIsNotTheKey() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            let reply = try await browser.signIn(client, key: TestServer.admin)
            #expect(reply.status == 303)
            #expect(reply.headers[.location] == "/dashboard")
            let setCookie = try #require(reply.headers[.setCookie])
            #expect(setCookie.hasPrefix("attune_session="))
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/dashboard"))
            #expect(!setCookie.contains(TestServer.admin))
            let overview = try await browser.get(client, "/dashboard")
            #expect(overview.status == 200)
            #expect(overview.text.contains("Overview"))
            // Signed in already: the form sends the browser on.
            #expect(try await browser.get(client, "/dashboard/login").status == 303)
            let rows = try await harness.server.store.auditRecords(after: 0, limit: 100)
            #expect(rows.contains { $0.entry.action.rawValue == "dashboard.signin" && $0.entry.actor.hasPrefix("key_") })
        }
    }

    @Test(arguments: [(TestServer.write, 403), (TestServer.read, 403), ("not-a-key-at-all", 401), ("", 401)])
    func otherKeysAreRefusedWithTheFormAndAnError(_ key: String, _ status: Int) async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            let reply = try await browser.signIn(client, key: key)
            #expect(reply.status == status)
            #expect(reply.headers[.setCookie] == nil)
            #expect(reply.text.contains("not a live admin key"))
            #expect(reply.text.contains("name=\"key\""))
            #expect(browser.cookie == nil)
            #expect(try await browser.get(client, "/dashboard").status == 303)
            let rows = try await harness.server.store.auditRecords(after: 0, limit: 100)
            #expect(rows.contains { $0.entry.action.rawValue == "dashboard.signin.refused" })
            #expect(!rows.contains { ($0.entry.detail ?? "").contains(key) && !key.isEmpty })
        }
    }

    @Test func aForgedOrAlteredCookieIsRefused() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let cookie = try #require(browser.cookie)
            for forged in [
                "attune_session=" + String(cookie.dropFirst("attune_session=".count).reversed()),
                cookie + "A", "attune_session=a.b", "attune_session=", String(cookie.dropLast(2)),
            ] {
                let reply = try await DashboardBrowser(cookie: forged).get(client, "/dashboard")
                #expect(reply.status == 303, "\(forged)")
            }
        }
    }

    @Test func aSessionEndsWhenItExpires() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            #expect(try await browser.get(client, "/dashboard").status == 200)
            harness.server.clock.advance(milliseconds: 8 * 3_600_000 + 1)
            #expect(try await browser.get(client, "/dashboard").status == 303)
        }
    }

    @Test func revokingTheKeyEndsItsSessions() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            #expect(try await browser.get(client, "/dashboard").status == 200)
            let adminID = try #require(try await harness.server.store.keys().first { $0.scope == .admin && $0.workspace == .default }?.id)
            _ = try await harness.server.store.revokeKey(id: adminID, at: harness.server.clock.now())
            try await harness.dependencies.keyring.reload()
            #expect(try await browser.get(client, "/dashboard").status == 303)
        }
    }

    @Test func signInFromAnotherSiteOrWithoutAnOriginIsRefused() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            for origin in ["https://evil.example", "null", nil] as [String?] {
                var browser = DashboardBrowser()
                let reply = try await browser.signIn(client, key: TestServer.admin, origin: origin)
                #expect(reply.status == 403, "\(origin ?? "no origin")")
                #expect(browser.cookie == nil)
            }
        }
    }

    @Test func signOutNeedsTheSessionsTokenAndEndsTheSession() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let page = try await browser.get(client, "/dashboard")
            let csrf = try #require(DashboardBrowser.csrf(in: page.text))
            // A cross-site post, or one without the token, does not sign out.
            #expect(try await browser.post(client, "/dashboard/logout", form: "csrf=\(csrf)", origin: "https://evil.example").status == 403)
            #expect(try await browser.post(client, "/dashboard/logout", form: "").status == 403)
            #expect(try await browser.post(client, "/dashboard/logout", form: "csrf=wrong").status == 403)
            #expect(try await browser.get(client, "/dashboard").status == 200)

            let out = try await browser.post(client, "/dashboard/logout", form: "csrf=\(DashboardBrowser.encode(csrf))")
            #expect(out.status == 303)
            #expect(out.headers[.location] == "/dashboard/login")
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            // The old cookie, replayed, no longer opens a page.
            #expect(try await browser.get(client, "/dashboard").status == 303)
            let rows = try await harness.server.store.auditRecords(after: 0, limit: 100)
            #expect(rows.contains { $0.entry.action.rawValue == "dashboard.signout" })
        }
    }

    @Test func signInAttemptsAreThrottled() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var statuses: [Int] = []
            for _ in 0..<12 {
                var browser = DashboardBrowser()
                statuses.append(try await browser.signIn(client, key: "wrong-key-0123456789").status)
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
            #expect(statuses.suffix(2).allSatisfy { $0 == 429 }, "\(statuses)")
            // Even the right key waits: the throttle comes before the key is looked at.
            var browser = DashboardBrowser()
            let limited = try await browser.signIn(client, key: TestServer.admin)
            #expect(limited.status == 429)
            #expect(limited.headers[.retryAfter] != nil)
            harness.server.monotonicNow.advance(seconds: 7)
            #expect(try await browser.signIn(client, key: TestServer.admin).status == 303)
        }
    }

    @Test func malformedFormsAreRefusedWithoutA500() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            let browser = DashboardBrowser()
            #expect(try await browser.post(client, "/dashboard/login", form: "key=%FF%FE").status == 400)
            #expect(try await browser.post(client, "/dashboard/login", form: String(repeating: "k", count: 10_000)).status == 413)
            var json = DashboardBrowser.formHeaders()
            json[.contentType] = "application/json"
            let wrongType = try await client.execute(
                uri: "/dashboard/login", method: .post, headers: json, body: ByteBuffer(string: #"{"key":"x"}"#)) { $0.status }
            #expect(wrongType == .unsupportedMediaType)
        }
    }
}
