import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every dashboard page on an empty store (friendly empty states, never a 500) and on seeded
/// data (its key figures present), well-formed, with every stored string escaped.
struct DashboardPagesTests {
    struct Page: Sendable, CustomStringConvertible {
        var path: String
        /// Text an empty store's page shows.
        var empty: [String]
        /// Text the seeded page shows.
        var seeded: [String]
        var description: String { path }
    }

    static let pages: [Page] = [
        Page(path: "/dashboard", empty: ["Events per minute, last hour", "live model", "none", "No event has been rejected"],
             seeded: ["Events per minute, last hour", "<svg", "Lamp 1 (sku-1)", "v1 knn", "active users, 24 h"]),
        Page(path: "/dashboard/users", empty: ["No signed-in user has sent an event yet."],
             seeded: ["Recently active users", "shopper-1"]),
        Page(path: "/dashboard/users?id=shopper-1", empty: ["No profile for user <strong>shopper-1</strong>"],
             seeded: ["User <code>shopper-1</code>", "gold", "Lamp lovers", "Recommendations", "model v1", "Latest events", "sku-",
                     "Profile history", "<td>event</td>"]),
        Page(path: "/dashboard/segments", empty: ["No segments yet."],
             seeded: ["Lamp lovers", "traits.events &gt; 2", "Members per segment over time", "<polyline"]),
        Page(path: "/dashboard/models", empty: ["No trained model yet", "No impressions or clicks counted", "No impression events in the last 24 hours"],
             seeded: ["<strong>v1</strong>", "knn", "live", "validation (offline)", "95% Wilson interval", "Clicks per impression per hour"]),
        Page(path: "/dashboard/experiments", empty: ["No experiments yet."],
             seeded: ["checkout-test", "Checkout button", "running", "blue-button, green-button"]),
        Page(path: "/dashboard/experiments?key=checkout-test", empty: ["No experiment <code>checkout-test</code>"],
             seeded: ["blue-button", "green-button", "Sample ratio", "Power and run time", "Metric <code>ctr</code>",
                      "with 95% confidence intervals", "Share of new units per variant"]),
        Page(path: "/dashboard/experiments?key=bandit-test", empty: ["No experiment <code>bandit-test</code>"],
             seeded: ["Banner bandit", "banner-a", "banner-c", "Allocation: thompson, bandit updated", "Lamp lovers", "<code>*</code>"]),
    ]

    @Test(arguments: pages)
    func anEmptyStoreGivesFriendlyEmptyStates(_ page: Page) async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let reply = try await browser.get(client, page.path)
            #expect(reply.status == 200, "\(reply.text)")
            for text in page.empty { #expect(reply.text.contains(text), "\(page.path) lacks \(text)") }
            #expect(MarkupCheck.problems(reply.text).isEmpty, "\(page.path): \(MarkupCheck.problems(reply.text))")
            #expect(reply.headers[.contentSecurityPolicy] != nil)
        }
    }

    @Test(arguments: pages)
    func seededDataShowsItsKeyFigures(_ page: Page) async throws {
        let harness = try await DashboardHarness()
        try await harness.seed()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let reply = try await browser.get(client, page.path)
            #expect(reply.status == 200, "\(reply.text)")
            for text in page.seeded { #expect(reply.text.contains(text), "\(page.path) lacks \(text)") }
            #expect(MarkupCheck.problems(reply.text).isEmpty, "\(page.path): \(MarkupCheck.problems(reply.text))")
            #expect(!reply.text.contains("<script"), "\(page.path) holds an unescaped script")
        }
    }

    @Test func storedStringsAreEscapedEverywhere() async throws {
        let harness = try await DashboardHarness()
        try await harness.seed()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let hostileUser = DashboardBrowser.encode(DashboardHarness.hostileUser)
            for path in ["/dashboard", "/dashboard/users", "/dashboard/users?id=\(hostileUser)", "/dashboard/users?id=%3Cb%3E",
                         "/dashboard/experiments?key=%3Cscript%3E"] {
                let reply = try await browser.get(client, path)
                #expect(reply.status == 200)
                #expect(!reply.text.contains("<script"), "\(path)")
                #expect(MarkupCheck.problems(reply.text).isEmpty, "\(path): \(MarkupCheck.problems(reply.text))")
            }
            let overview = try await browser.get(client, "/dashboard")
            #expect(overview.text.contains("&lt;script&gt;alert(&#39;item&#39;)&lt;/script&gt;"))
            let profile = try await browser.get(client, "/dashboard/users?id=\(hostileUser)")
            #expect(profile.text.contains("&lt;script&gt;alert(&quot;user&quot;)&lt;/script&gt;"))
            #expect(profile.text.contains("Latest events"))
        }
    }

    @Test func aProfileShownIsAuditedByDigestNotById() async throws {
        let harness = try await DashboardHarness()
        try await harness.seed()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            _ = try await browser.get(client, "/dashboard/users?id=shopper-1")
            _ = try await browser.get(client, "/dashboard/users?id=nobody-here")
        }
        // Read after shutdown, which writes every queued read row.
        let reads = try await harness.server.store.auditRecords(after: 0, limit: 100).filter { $0.entry.action == .profileRead }
        #expect(reads.count == 1)
        #expect(reads.first?.entry.subject == UserDigest.auditSubject(UserID(unchecked: "shopper-1")))
        #expect(reads.first?.entry.detail == "dashboard")
        #expect(reads.first?.entry.actor.hasPrefix("key_") == true)
    }

    @Test func badQueryValuesGiveAMessageNotAnError() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let long = String(repeating: "x", count: 300)
            let user = try await browser.get(client, "/dashboard/users?id=\(long)")
            #expect(user.status == 200)
            #expect(user.text.contains("Not a user id"))
            let experiment = try await browser.get(client, "/dashboard/experiments?key=\(long)")
            #expect(experiment.status == 200)
            #expect(experiment.text.contains("Not an experiment key"))
        }
    }

    @Test func rejectedEventsAppearAsIngestionErrors() async throws {
        let harness = try await DashboardHarness()
        try await harness.application().test(.router) { client in
            let batch = #"{"batch": [{"type": "view", "userId": "u1"}, {"type": "view", "userId": "u2", "value": "abc"}, {"userId": "u2"}]}"#
            #expect(try await client.call(.post, "/v1/events", key: TestServer.write, body: batch).status == 200)
            #expect(try await client.call(.post, "/v1/events", key: TestServer.write, body: "{not json").status == 400)
            var browser = DashboardBrowser()
            _ = try await browser.signIn(client, key: TestServer.admin)
            let reply = try await browser.get(client, "/dashboard")
            let counts = harness.dependencies.ingestionTally.counts(in: .default)
            #expect(counts.reasons.count == 3, "\(counts.reasons)")
            for reason in counts.reasons.keys { #expect(reply.text.contains(reason), "\(reason)") }
            #expect(reply.text.contains("malformed_json"))
            #expect(counts.received == 3)
            #expect(counts.accepted == 1)
            #expect(counts.rejectedEvents == 2)
            #expect(counts.rejectedRequests == 1)
        }
    }

    @Test func segmentSizesOverTimeComeFromTheSweepsRecords() async throws {
        let harness = try await DashboardHarness()
        try await harness.seed()
        let store = harness.server.store
        let now = harness.server.clock.now()
        let sizes = try await store.segmentSizes(in: .default, since: now.adding(milliseconds: -86_400_000))
        let recorded = try #require(sizes.values.first)
        #expect(recorded.count == 1)
        #expect(recorded[0].members > 0)
        // Records older than the kept window go at the next record.
        try await store.recordSegmentSizes(in: .default, at: now, keepingSince: now)
        let kept = try await store.segmentSizes(in: .default, since: Timestamp(millisecondsSinceEpoch: 0))
        #expect(kept.values.first?.count == 1)
        #expect(kept.values.first?.first?.time == now)
    }
}
