import AttuneCore
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct IdentityAPITests {
    static func events(_ user: String, _ count: Int, from start: Int = 0) -> String {
        let batch = (start..<(start + count)).map { #"{"type": "view", "userId": "\#(user)", "itemId": "i\#($0)"}"# }
        return #"{"batch": [\#(batch.joined(separator: ","))]}"#
    }

    @Test func identifiersMergeUsersAndAnAliasShowsTheCanonicalProfile() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("crm-1", 2))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("web-9", 3, from: 5))
            let first = try await client.call(
                .post, "/v1/identify", body: #"{"userId": "crm-1", "traits": {"email": "  Ann@Example.com", "city": "York"}}"#)
            #expect(first.status == 200, "\(first.text)")
            let second = try await client.call(
                .post, "/v1/identify", body: #"{"userId": "web-9", "identifiers": {"email": "ann@example.com "}}"#)
            #expect(second.json?["canonicalUserId"]?.stringValue == "crm-1", "\(second.text)")
            let profile = try await client.call(.get, "/v1/users/web-9")
            #expect(profile.status == 200, "\(profile.text)")
            #expect(profile.json?["userId"]?.stringValue == "crm-1")
            #expect(profile.json?["requestedUserId"]?.stringValue == "web-9")
            #expect(profile.json?["mergedUserIds"] == .array([.string("web-9")]))
            #expect(profile.json?["computed"]?["events"] == .number(5))
            #expect(profile.json?["declared"]?["city"]?.stringValue == "York")
            guard case .array(let identifiers)? = profile.json?["identifiers"] else {
                Issue.record("no identifiers: \(profile.text)")
                return
            }
            #expect(identifiers.count == 1)
            #expect(identifiers.first?["kind"]?.stringValue == "email")
            #expect(identifiers.first?["hashed"] == .bool(true))
            #expect(!profile.text.contains("ann@example.com"), "identifiers are shown hashed only")
            guard case .array(let merges)? = profile.json?["merges"] else { return }
            #expect(merges.first?["reason"]?.stringValue == "email")
            // Events for the merged id land on the canonical profile.
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("web-9", 1, from: 20))
            #expect(try await client.call(.get, "/v1/users/crm-1").json?["computed"]?["events"] == .number(6))
        }
    }

    @Test func manualMergeAndUnmergeRoundTrip() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("a", 2))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("b", 3, from: 5))
            let merged = try await client.call(.post, "/v1/users/merge", body: #"{"users": ["b", "a"], "canonical": "a"}"#)
            #expect(merged.status == 200, "\(merged.text)")
            #expect(merged.json?["canonicalUserId"]?.stringValue == "a")
            #expect(try await client.call(.get, "/v1/users/a").json?["computed"]?["events"] == .number(5))
            let history = try await client.call(.get, "/v1/users/a/history")
            #expect(history.text.contains(#""cause":"merge""#), "\(history.text)")
            let undone = try await client.call(.post, "/v1/users/b/unmerge")
            #expect(undone.status == 200, "\(undone.text)")
            #expect(undone.json?["unmerged"]?["mergedUserId"]?.stringValue == "b")
            #expect(undone.json?["unmerged"]?["undoneAt"]?.stringValue != nil)
            #expect(try await client.call(.get, "/v1/users/a").json?["computed"]?["events"] == .number(2))
            #expect(try await client.call(.get, "/v1/users/b").json?["computed"]?["events"] == .number(3))
            let audit = try await server.store.auditRecords(after: 0, limit: 100).map(\.entry.action.rawValue)
            #expect(audit.contains("user.merge") && audit.contains("user.unmerge"))
        }
    }

    @Test(arguments: [
        (#"{"users": ["a", "a"]}"#, 422, "users"),
        (#"{"users": ["a"]}"#, 422, "users"),
        (#"{"users": ["a", "ghost"]}"#, 404, "users[1]"),
        (#"{"users": "a,b"}"#, 422, "users"),
        (#"{"users": ["a", 7]}"#, 422, "users[1]"),
        (#"{"users": ["a", "b"], "canonical": 3}"#, 422, "canonical"),
        (#"{"users": ["a", "b"], "extra": true}"#, 422, "extra"),
        (#"{}"#, 422, "users"),
        (#"[1]"#, 422, ""),
        (#"{"users": ["a", "b"]"#, 400, ""),
    ])
    func badMergeRequestsAreRefusedAndChangeNothing(_ body: String, _ status: Int, _ field: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("a", 2))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("b", 1, from: 5))
            let reply = try await client.call(.post, "/v1/users/merge", body: body)
            #expect(reply.status == status, "\(body): \(reply.text)")
            if status == 422 { #expect((reply.errorField ?? "") == field, "\(body): \(reply.text)") }
            #expect(try await server.store.canonicalUser(of: UserID(unchecked: "b"), in: .default).rawValue == "b")
            #expect(try await server.store.profile(of: UserID(unchecked: "a"), in: .default)?.traits.eventCount == 2)
            #expect(try await server.store.merges(involving: [UserID(unchecked: "a")], in: .default).isEmpty)
        }
    }

    @Test func mergingUsersThatAreOnePersonAlreadyIsAConflict() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("a", 1))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: Self.events("b", 1, from: 5))
            #expect(try await client.call(.post, "/v1/users/merge", body: #"{"users": ["a", "b"]}"#).status == 200)
            #expect(try await client.call(.post, "/v1/users/merge", body: #"{"users": ["b", "a"]}"#).status == 409)
            #expect(try await client.call(.post, "/v1/users/a/unmerge", body: #"{"merge": "x"}"#).status == 422)
            #expect(try await client.call(.post, "/v1/users/a/unmerge", body: #"{"merge": 99}"#).status == 404)
            #expect(try await client.call(.post, "/v1/users/a/unmerge").status == 200)
            #expect(try await client.call(.post, "/v1/users/a/unmerge").status == 409, "nothing left to undo")
        }
    }

    @Test func identifiersNeedAnAdminKeyAndMalformedOnesChangeNothing() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/identify", body: #"{"userId": "u1", "identifiers": {"email": "x@example.com"}}"#)
            // A write key, public in web pages, could otherwise claim someone's e-mail and be merged into them.
            let claimed = try await client.call(
                .post, "/v1/identify", key: TestServer.write, body: #"{"userId": "intruder", "identifiers": {"email": "x@example.com"}}"#)
            #expect(claimed.status == 403, "\(claimed.text)")
            // Traits sent with a write key are stored as traits only.
            _ = try await client.call(
                .post, "/v1/identify", key: TestServer.write, body: #"{"userId": "intruder", "traits": {"email": "x@example.com"}}"#)
            #expect(try await server.store.canonicalUser(of: UserID(unchecked: "intruder"), in: .default).rawValue == "intruder")
            for (body, field) in [
                (#"{"userId": "u2", "identifiers": {"email": "not-an-address"}}"#, "identifiers.email"),
                (#"{"userId": "u2", "identifiers": {"phone": "020 7946 0958"}}"#, "identifiers.phone"),
                (#"{"userId": "u2", "identifiers": {"fax": "1"}}"#, "identifiers.fax"),
                (#"{"userId": "u2", "identifiers": {"email": 5}}"#, "identifiers.email"),
                (#"{"userId": "u2", "identifiers": ["x@example.com"]}"#, "identifiers"),
                (#"{"userId": "u2", "traits": {"email": "nope", "plan": "pro"}}"#, "traits.email"),
            ] {
                let reply = try await client.call(.post, "/v1/identify", body: body)
                #expect(reply.status == 422, "\(body): \(reply.text)")
                #expect(reply.errorField == field, "\(body): \(reply.text)")
            }
            #expect(try await server.store.traits(of: UserID(unchecked: "u2"), in: .default) == nil)
            #expect(try await server.store.identifiers(of: [UserID(unchecked: "u2")], in: .default).isEmpty)
        }
    }
}

struct IdentityAliasAPITests {
    @Test func consentAndRecommendationsForAMergedIdApplyToThePerson() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("a", 2))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("b", 2, from: 5))
            #expect(try await client.call(.post, "/v1/users/merge", body: #"{"users": ["a", "b"], "canonical": "a"}"#).status == 200)
            // The tracker still knows the person as b: a refusal sent for b stops analytics for the person.
            let refused = try await client.call(.put, "/v1/users/b/consent", key: TestServer.write, body: #"{"analytics": false}"#)
            #expect(refused.status == 200, "\(refused.text)")
            #expect(try await client.call(.get, "/v1/users/a/consent").json?["purposes"]?["analytics"] == .bool(false))
            let sent = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("b", 1, from: 30))
            #expect(sent.json?["withheld"] == .number(1), "\(sent.text)")
            let recommendations = try await client.call(.get, "/v1/users/b/recommendations?count=3", key: TestServer.read)
            #expect(recommendations.status == 200, "\(recommendations.text)")
        }
    }
}
