import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct ConsentAPITests {
    @Test func putAnswersTheEffectiveStateAndGetAddsTheHistory() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let first = try await client.call(
                .put, "/v1/users/u1/consent", key: TestServer.write, body: #"{"analytics": false, "source": "tracker"}"#)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.json?["user"] == .string("u1"))
            #expect(first.json?["purposes"] == .object([
                ("analytics", .bool(false)), ("personalization", .bool(true)), ("marketing", .bool(true)),
            ]))
            #expect(first.json?["updatedAt"] == .string(server.clock.now().iso8601))
            #expect(first.json?["history"] == nil)
            let second = try await client.call(.put, "/v1/users/u1/consent", body: #"{"marketing": false}"#)
            #expect(second.json?["purposes"]?["analytics"] == .bool(false), "an earlier decision stays")
            #expect(second.json?["purposes"]?["marketing"] == .bool(false))

            let read = try await client.call(.get, "/v1/users/u1/consent")
            #expect(read.status == 200)
            #expect(read.json?["purposes"] == second.json?["purposes"])
            #expect(read.json?["policy"] == .string("opt-out"))
            #expect(read.json?["history"] == .array([
                .object([("purposes", .object([("analytics", .bool(false))])), ("source", .string("tracker")),
                         ("at", .string(server.clock.now().iso8601))]),
                .object([("purposes", .object([("marketing", .bool(false))])), ("source", .string("api")),
                         ("at", .string(server.clock.now().iso8601))]),
            ]))

            let unknown = try await client.call(.get, "/v1/users/nobody/consent")
            #expect(unknown.status == 200)
            #expect(unknown.json?["updatedAt"] == .null)
            #expect(unknown.json?["history"] == .array([]))
            #expect(unknown.json?["purposes"]?["personalization"] == .bool(true))
        }
        let audited = try await server.store.auditRecords(after: 0, limit: 100).filter { $0.entry.action == .consentChanged }
        #expect(audited.count == 2)
        #expect(audited.allSatisfy { $0.entry.subject == UserDigest.auditSubject(UserID(unchecked: "u1")) })
        #expect(audited.allSatisfy { !$0.entry.actor.isEmpty })
    }

    @Test(arguments: [
        (#"{}"#, ""),
        (#"[]"#, ""),
        (#"{"analytics": "yes"}"#, "analytics"),
        (#"{"personalization": null}"#, "personalization"),
        (#"{"marketing": 1}"#, "marketing"),
        (#"{"tracking": true}"#, "tracking"),
        (#"{"analytics": true, "source": 5}"#, "source"),
        (#"{"analytics": true, "source": ""}"#, "source"),
        (#"{"analytics": true, "source": "'; DROP TABLE consents;--"}"#, "source"),
        (#"{"source": "tracker"}"#, ""),
    ])
    func invalidBodiesAreRefusedNamingTheField(_ body: String, _ field: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.put, "/v1/users/u1/consent", key: TestServer.write, body: body)
            #expect(reply.status == 422, "\(body): \(reply.text)")
            #expect(reply.errorCode == "invalid_value")
            #expect((reply.errorField ?? "") == field, "\(body)")
        }
        #expect(try await server.store.consent(of: UserID(unchecked: "u1"), in: .default) == nil)
    }

    @Test func malformedJSONAndBadIDsAreRefused() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let broken = try await client.call(.put, "/v1/users/u1/consent", body: #"{"analytics": tru"#)
            #expect(broken.status == 400)
            let control = try await client.call(.put, "/v1/users/a%00b/consent", body: #"{"analytics": true}"#)
            #expect(control.status == 422)
            #expect(control.errorField == "id")
        }
    }

    @Test func withoutAnalyticsConsentEventsAreCountedAsWithheld() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.put, "/v1/users/u1/consent", key: TestServer.write, body: #"{"analytics": false}"#)
            let batch = try await client.call(.post, "/v1/events", key: TestServer.write, body: """
                {"batch": [{"type": "view", "userId": "u1", "itemId": "i1"}, {"type": "view", "userId": "u2", "itemId": "i1"},
                           {"type": "click", "userId": "u1", "itemId": "i2"}, {"type": "view"}]}
                """)
            #expect(batch.status == 200)
            #expect(batch.number("accepted") == 1)
            #expect(batch.number("withheld") == 2)
            #expect(batch.number("duplicates") == 0)
            let single = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "u1"}"#)
            #expect(single.status == 200, "a withheld event is not an error: \(single.text)")
            #expect(single.number("withheld") == 1)
            let stats = try await client.call(.get, "/v1/stats")
            #expect(stats.number("events") == 1)
            #expect(stats.number("withheldEvents") == 3)
            let events = try await client.call(.get, "/v1/users/u1/events")
            #expect(events.json?["events"] == .array([]))
        }
    }

    @Test func underOptInNothingIsStoredOrPersonalisedUntilGranted() async throws {
        let server = try TestServer()
        try await server.store.ensureWorkspace(.default, at: server.clock.now())
        _ = try await server.store.setConsentDefault(.optIn)
        try await server.makeApplication().test(.router) { client in
            let before = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "u1"}"#)
            #expect(before.number("withheld") == 1)
            let state = try await client.call(.get, "/v1/users/u1/consent")
            #expect(state.json?["purposes"] == .object([
                ("analytics", .bool(false)), ("personalization", .bool(false)), ("marketing", .bool(false)),
            ]))
            #expect(state.json?["policy"] == .string("opt-in"))
            let granted = try await client.call(.put, "/v1/users/u1/consent", key: TestServer.write, body: #"{"analytics": true}"#)
            #expect(granted.json?["purposes"]?["personalization"] == .bool(false))
            let after = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "u1"}"#)
            #expect(after.number("accepted") == 1)
            #expect(try await server.store.profile(of: UserID(unchecked: "u1"), in: .default) == nil)
        }
    }

    @Test func withdrawingPersonalizationMakesTheVeryNextRecommendationNonPersonal() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            let personal = try await RecommendationsAPITests.waitForVersion(1, client: client)
            #expect(personal.json?["strategy"] == .string("knn"))
            let items = (0..<10).map { "A\($0)" }
            var audienceBefore = ""
            for item in items { audienceBefore += try await client.call(.get, "/v1/items/\(item)/audience?count=100", key: TestServer.read).text }
            #expect(audienceBefore.contains(#""a1""#))

            let withdrawn = try await client.call(.put, "/v1/users/a1/consent", key: TestServer.write, body: #"{"personalization": false}"#)
            #expect(withdrawn.status == 200)
            let fallback = try await client.call(.get, "/v1/users/a1/recommendations", key: TestServer.read)
            #expect(fallback.status == 200)
            #expect(fallback.json?["strategy"] == .string("popular"))
            #expect(fallback.text.contains("no personalization consent"))
            let other = try await client.call(.get, "/v1/users/a2/recommendations", key: TestServer.read)
            #expect(other.json?["strategy"] == .string("knn"), "nobody else is affected")
            var audienceAfter = ""
            for item in items { audienceAfter += try await client.call(.get, "/v1/items/\(item)/audience?count=100", key: TestServer.read).text }
            #expect(!audienceAfter.contains(#""a1""#))
        }
    }

    @Test func withdrawingPersonalizationLeavesSegmentsAtOnce() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let segment = try await client.call(.post, "/v1/segments", body: #"{"name": "active", "rule": "traits.events > 0"}"#)
            #expect(segment.status == 201)
            let id = try #require(segment.json?["id"]?.stringValue)
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "u1", "itemId": "i1"}"#)
            _ = try await client.call(.patch, "/v1/users/u1", body: #"{"age": 30}"#)
            let before = try await client.call(.get, "/v1/users/u1/segments", key: TestServer.read)
            #expect(before.text.contains(id))

            _ = try await client.call(.put, "/v1/users/u1/consent", key: TestServer.write, body: #"{"personalization": false}"#)
            let after = try await client.call(.get, "/v1/users/u1/segments", key: TestServer.read)
            #expect(!after.text.contains(id), "\(after.text)")
            let members = try await client.call(.get, "/v1/segments/\(id)/members", key: TestServer.read)
            #expect(!members.text.contains(#""u1""#))
            let profile = try await client.call(.get, "/v1/users/u1")
            #expect(profile.json?["computed"]?["events"] == .number(0), "no computed traits: \(profile.text)")
            #expect(profile.json?["declared"]?["age"] == .number(30), "declared attributes stay")

            let more = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "u1", "itemId": "i2"}"#)
            #expect(more.number("accepted") == 1, "analytics consent still stands")
            let still = try await client.call(.get, "/v1/users/u1/segments", key: TestServer.read)
            #expect(!still.text.contains(id))
        }
    }

    @Test func theExportHoldsConsentAndErasureRemovesIt() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "u1", "itemId": "i1"}"#)
            _ = try await client.call(.put, "/v1/users/u1/consent", key: TestServer.write, body: #"{"marketing": false, "source": "tracker"}"#)
            let export = try await client.call(.get, "/v1/users/u1/export")
            #expect(export.status == 200)
            #expect(export.json?["consent"]?["purposes"]?["marketing"] == .bool(false))
            #expect(export.json?["consent"]?["history"]?.arrayCount == 1)
            let erased = try await client.call(.delete, "/v1/users/u1")
            #expect(erased.status == 200)
            #expect(erased.json?["deleted"]?["consentRecords"] == .number(2))
            let after = try await client.call(.get, "/v1/users/u1/consent")
            #expect(after.json?["updatedAt"] == .null)
            #expect(after.json?["history"] == .array([]))
        }
        #expect(try await server.store.consent(of: UserID(unchecked: "u1"), in: .default) == nil)
    }

    @Test func consentIsPerWorkspace() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.put, "/v1/users/u1/consent", body: #"{"analytics": false}"#)
            let other = try await client.call(.get, "/v1/users/u1/consent", key: TestServer.otherAdmin)
            #expect(other.json?["purposes"]?["analytics"] == .bool(true))
        }
    }
}

extension JSONValue {
    fileprivate var arrayCount: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }
}
