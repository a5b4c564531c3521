import AttuneCore
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Reads through a merged id answer for its person; stats count persons; a phone number that is
/// not one is skipped with a warning instead of refusing the whole identify call.
struct IdentityAliasReadsAPITests {
    @Test func eventsHistoryAndSegmentsOfAMergedIdAreThePersons() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let created = try await client.call(
                .post, "/v1/segments", body: #"{"name": "viewers", "rule": "traits.events_by_type.view >= 3"}"#)
            #expect(created.status == 201, "\(created.text)")
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("a", 2))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("b", 2, from: 5))
            let merged = try await client.call(.post, "/v1/users/merge", body: #"{"users": ["a", "b"], "canonical": "a"}"#)
            #expect(merged.status == 200, "\(merged.text)")

            let events = try await client.call(.get, "/v1/users/b/events")
            #expect(events.status == 200, "\(events.text)")
            #expect(events.json?["userId"]?.stringValue == "a")
            #expect(events.json?["requestedUserId"]?.stringValue == "b")
            guard case .array(let list)? = events.json?["events"] else {
                Issue.record("no events: \(events.text)")
                return
            }
            let views = list.filter { $0["type"]?.stringValue == "view" }
            #expect(views.count == 4, "the person's four views, not only the two that came for b")

            let history = try await client.call(.get, "/v1/users/b/history")
            #expect(history.json?["userId"]?.stringValue == "a", "\(history.text)")
            let person = try await client.call(.get, "/v1/users/a/history")
            #expect(history.json?["versions"] == person.json?["versions"])
            // b's own versions, its merge into a among them, stay reachable beside the person's.
            guard case .array(let own)? = history.json?["memberVersions"]?["b"] else {
                Issue.record("no member versions for b: \(history.text)")
                return
            }
            #expect(own.first?["cause"]?.stringValue == "merge", "\(history.text)")
            #expect(own.first?["mergedInto"]?.stringValue == "a", "\(history.text)")
            #expect(own.count >= 2, "b's event versions before the merge too: \(history.text)")
            #expect(person.json?["memberVersions"] == history.json?["memberVersions"])
            let next = try await client.call(.get, "/v1/users/b/history?limit=1")
            let cursor = next.json?["nextCursor"]?.stringValue ?? ""
            let later = try await client.call(.get, "/v1/users/b/history?limit=1&cursor=\(cursor)")
            #expect(later.status == 200, "\(later.text)")
            #expect(later.json?["memberVersions"] == .object([]), "the first page only: \(later.text)")

            let segments = try await client.call(.get, "/v1/users/b/segments", key: TestServer.read)
            #expect(segments.json?["userId"]?.stringValue == "a", "\(segments.text)")
            guard case .array(let memberships)? = segments.json?["segments"] else {
                Issue.record("no segments: \(segments.text)")
                return
            }
            #expect(memberships.first?["name"]?.stringValue == "viewers", "the person has 4 views; b alone had 2")

            let stats = try await client.call(.get, "/v1/stats")
            #expect(stats.json?["users"] == .number(1), "one person, two ids: \(stats.text)")
            // Unmerged, they are two people again.
            #expect(try await client.call(.post, "/v1/users/b/unmerge").status == 200)
            #expect(try await client.call(.get, "/v1/stats").json?["users"] == .number(2))
            #expect(try await client.call(.get, "/v1/users/b/events").json?["userId"]?.stringValue == "b")
        }
    }

    @Test func statsCountAPersonWhoseCanonicalIdHasNoEventsOnce() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            // Known first through the CRM (no events), then the web id with events joins it.
            _ = try await client.call(.post, "/v1/identify", body: #"{"userId": "crm-1", "identifiers": {"email": "p@example.com"}}"#)
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("web-1", 2))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("web-2", 1))
            let joined = try await client.call(.post, "/v1/identify", body: #"{"userId": "web-1", "identifiers": {"email": "p@example.com"}}"#)
            #expect(joined.json?["canonicalUserId"]?.stringValue == "crm-1", "\(joined.text)")
            #expect(try await client.call(.get, "/v1/stats").json?["users"] == .number(2), "crm-1 (through web-1) and web-2")
        }
    }

    @Test func aPhoneThatIsNotInternationalIsSkippedWithAWarningAndTheRestKept() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(
                .post, "/v1/identify",
                body: #"{"userId": "u1", "traits": {"plan": "pro"}, "identifiers": {"email": "u1@example.com", "phone": "020 7946 0958"}}"#)
            #expect(reply.status == 200, "\(reply.text)")
            guard case .array(let warnings)? = reply.json?["warnings"] else {
                Issue.record("no warnings: \(reply.text)")
                return
            }
            #expect(warnings.map { $0["field"]?.stringValue } == ["identifiers.phone"])
            #expect(warnings.first?["code"]?.stringValue == "invalid_value")
            #expect(!reply.text.contains("7946"), "the number is not echoed back")
            let identifiers = try await server.store.identifiers(of: [UserID(unchecked: "u1")], in: .default)
            #expect(identifiers.map(\.kind.rawValue) == ["email"])
            #expect(try await server.store.traits(of: UserID(unchecked: "u1"), in: .default) != nil)

            // The traits' phone is skipped the same way; the trait itself is still declared.
            let traits = try await client.call(
                .post, "/v1/identify", body: #"{"userId": "u2", "traits": {"phone": "12", "email": "u2@example.com"}}"#)
            #expect(traits.status == 200, "\(traits.text)")
            guard case .array(let traitWarnings)? = traits.json?["warnings"] else {
                Issue.record("no warnings: \(traits.text)")
                return
            }
            #expect(traitWarnings.map { $0["field"]?.stringValue } == ["traits.phone"])
            #expect(try await server.store.identifiers(of: [UserID(unchecked: "u2")], in: .default).map(\.kind.rawValue) == ["email"])

            // Without a warning nothing extra is in the answer.
            let clean = try await client.call(.post, "/v1/identify", body: #"{"userId": "u3", "traits": {"plan": "x"}}"#)
            #expect(clean.json?["warnings"] == nil, "\(clean.text)")
            // A write key still may not send a phone, valid or not.
            let claimed = try await client.call(
                .post, "/v1/identify", key: TestServer.write, body: #"{"userId": "u4", "anonymousId": "v", "identifiers": {"phone": "12"}}"#)
            #expect(claimed.status == 403, "\(claimed.text)")
        }
    }
}
