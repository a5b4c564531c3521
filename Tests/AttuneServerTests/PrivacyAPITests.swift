import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

struct PrivacyAPITests {
    static let events = #"{"batch":[{"type":"view","userId":"p1","itemId":"i1"},{"type":"view","anonymousId":"v1","itemId":"i2"}]}"#
    static let identify = #"{"userId":"p1","anonymousId":"v1","traits":{"email":"p1@example.org"}}"#

    @Test func anAdminExportsEverythingHeldAboutAUser() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client async throws in
            #expect(try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events).status == 200)
            #expect(try await client.call(.post, "/v1/identify", key: TestServer.write, body: Self.identify).status == 200)
            try await server.store.recordExposures(
                [Exposure(experiment: ExperimentKey(unchecked: "e1"), unit: "p1", variant: 1, time: server.clock.now())],
                in: .default)
            let reply = try await client.call(.get, "/v1/users/p1/export")
            #expect(reply.status == 200)
            let document = try #require(reply.json)
            #expect(document["userId"]?.stringValue == "p1")
            #expect(document["declared"]?["email"]?.stringValue == "p1@example.org")
            #expect(document["identifiers"]?["anonymousIds"] == .array([.string("v1")]))
            #expect(document["profile"] != .null)
            #expect(document["model"] == .null)
            guard case .array(let exposures)? = document["exposures"], case .array(let events)? = document["events"] else {
                Issue.record("missing arrays: \(reply.text)")
                return
            }
            #expect(exposures.count == 1)
            #expect(events.compactMap { $0["itemId"]?.stringValue }.sorted() == ["i1", "i2"])
        }
        let rows = try await server.store.auditRecords(after: 0, limit: 10)
        #expect(rows.map(\.entry.action) == [.userExported])
        #expect(rows.first?.entry.subject == UserDigest.auditSubject(UserID(unchecked: "p1")))
    }

    @Test func anAdminErasesAUserAndGetsAReceipt() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client async throws in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events)
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: Self.identify)
            let reply = try await client.call(.delete, "/v1/users/p1")
            #expect(reply.status == 200)
            #expect(reply.json?["userDigest"]?.stringValue == UserDigest.hex(UserDigest.of(UserID(unchecked: "p1"))))
            #expect(reply.json?["receiptId"]?.stringValue?.isEmpty == false)
            #expect(reply.json?["deleted"]?["events"] == .number(2))
            #expect(reply.json?["deleted"]?["declaredTraits"] == .number(1))
            #expect(reply.json?["deleted"]?["identityLinks"] == .number(1))
            #expect(!reply.text.contains("p1@example.org"))
            // Nothing is left to read, export or erase.
            #expect(try await client.call(.get, "/v1/users/p1").status == 404)
            #expect(try await client.call(.get, "/v1/users/p1/export").status == 404)
            #expect(try await client.call(.delete, "/v1/users/p1").status == 404)
            let events = try await client.call(.get, "/v1/users/p1/events")
            #expect(events.json?["events"] == .array([]))
        }
        let rows = try await server.store.auditRecords(after: 0, limit: 10)
        #expect(rows.map(\.entry.action) == [.userErased])
        // The digest is hexadecimal, so "p1" in any field would be the raw id.
        #expect(rows.allSatisfy { $0.entry.subject?.contains("p1") != true && $0.entry.detail?.contains("p1") != true })
        #expect(rows.first?.entry.subject == UserDigest.auditSubject(UserID(unchecked: "p1")))
    }

    @Test func anErasedUserIsServedAsUnknownAtOnce() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server, .als)
        try await server.makeApplication().test(.router) { client async throws in
            let before = try await RecommendationsAPITests.waitForVersion(1, client: client)
            #expect(before.json?["strategy"]?.stringValue == "als")
            let export = try await client.call(.get, "/v1/users/a1/export")
            guard case .array(let vector)? = export.json?["model"]?["userVector"] else {
                Issue.record("no user vector: \(export.text)")
                return
            }
            #expect(!vector.isEmpty)
            let items = (0..<10).map { "A\($0)" }
            var audienceBefore = ""
            for item in items { audienceBefore += try await client.call(.get, "/v1/items/\(item)/audience?count=100", key: TestServer.read).text }
            #expect(audienceBefore.contains(#""a1""#), "the person is in some item's audience before")
            let receipt = try await client.call(.delete, "/v1/users/a1")
            #expect(receipt.status == 200)
            #expect(receipt.json?["deleted"]?["modelSnapshots"] == .number(1))
            let after = try await client.call(.get, "/v1/users/a1/recommendations", key: TestServer.read)
            #expect(after.json?["strategy"]?.stringValue == "popular")
            #expect(after.json?["modelVersion"] == .number(1))
            // Searched for the id itself: the served vector is dropped at once, so no audience holds it.
            var audienceAfter = ""
            for item in items { audienceAfter += try await client.call(.get, "/v1/items/\(item)/audience?count=100", key: TestServer.read).text }
            #expect(!audienceAfter.contains(#""a1""#), "\(audienceAfter.prefix(500))")
        }
    }

    @Test(arguments: [(HTTPRequest.Method.get, "/v1/users/%@/export"), (.delete, "/v1/users/%@")])
    func badRequestsAreRefusedAndChangeNothing(_ method: HTTPRequest.Method, _ pattern: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client async throws in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events)
            let path = { (id: String) in pattern.replacingOccurrences(of: "%@", with: id) }
            #expect(try await client.call(method, path("nobody")).status == 404)
            #expect(try await client.call(method, path("p1"), key: nil).status == 401)
            #expect(try await client.call(method, path("p1"), key: TestServer.read).status == 403)
            #expect(try await client.call(method, path("p1"), key: TestServer.write).status == 403)
            let invalid = try await client.call(method, path("%01"))
            #expect(invalid.status == 422)
            #expect(invalid.errorCode == "invalid_value")
            // Another workspace's admin cannot see or erase this one's users.
            #expect(try await client.call(method, path("p1"), key: TestServer.otherAdmin).status == 404)
        }
        #expect(try await server.store.events(of: UserID(unchecked: "p1"), in: .default, after: nil, limit: 10).count == 1)
        #expect(try await server.store.auditRecords(after: 0, limit: 10).isEmpty)
        #expect(try await server.store.erasedUserDigests(in: .default).isEmpty)
    }
}
