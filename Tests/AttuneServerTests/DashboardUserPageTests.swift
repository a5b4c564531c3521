import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// The dashboard's user page shows what `GET /v1/users/{id}` shows: a merged id's person, and no
/// affinities for a user who withdrew personalization consent.
struct DashboardUserPageTests {
    @Test func aMergedIdShowsItsPerson() async throws {
        let harness = try await DashboardHarness()
        try await harness.seed()
        try await harness.application().test(.router) { client in
            let merged = try await client.call(
                .post, "/v1/users/merge", body: #"{"users": ["shopper-1", "shopper-2"], "canonical": "shopper-1"}"#)
            #expect(merged.status == 200, "\(merged.text)")
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let page = try await browser.get(client, "/dashboard/users?id=shopper-2")
            #expect(page.status == 200)
            #expect(!page.text.contains("No profile"), "\(page.text)")
            #expect(page.text.contains("User <code>shopper-1</code>"))
            #expect(page.text.contains("<code>shopper-2</code> was merged into this person"))
            #expect(page.text.contains("gold"), "the person's declared attributes")
        }
    }

    @Test func withoutPersonalizationConsentThereAreNoAffinities() async throws {
        let harness = try await DashboardHarness()
        try await harness.seed()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let before = try await browser.get(client, "/dashboard/users?id=shopper-1")
            #expect(before.text.contains("name: home"), "the consenting user's category affinity: \(before.text)")
            let withdrawn = try await client.call(
                .put, "/v1/users/shopper-1/consent", key: TestServer.write, body: #"{"personalization": false}"#)
            #expect(withdrawn.status == 200, "\(withdrawn.text)")
            let after = try await browser.get(client, "/dashboard/users?id=shopper-1")
            #expect(after.status == 200)
            #expect(after.text.contains("User <code>shopper-1</code>"), "declared attributes still shown: \(after.text)")
            #expect(!after.text.contains("name: home"), "\(after.text)")
        }
    }

    @Test func pseudonymisedDeclaredValuesAreShownRevealed() async throws {
        let harness = try await DashboardHarness(pii: PIIProtection(keys: PIIKeys.generate()))
        try await harness.application().test(.router) { client in
            let identified = try await client.call(
                .post, "/v1/identify", body: #"{"userId": "u1", "traits": {"name": "Ann Zqexample", "plan": "gold"}}"#)
            #expect(identified.status == 200, "\(identified.text)")
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let page = try await browser.get(client, "/dashboard/users?id=u1")
            #expect(page.text.contains("Ann Zqexample"), "\(page.text)")
            #expect(!page.text.contains("$pii"), "\(page.text)")
        }
    }
}
