import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// With `--pseudonymize`, personal attributes are stored protected and shown in clear only to
/// admin reads and the person's export.
struct PseudonymisationAPITests {
    @Test func personalAttributesAreStoredProtectedAndReadInClear() async throws {
        var server = try TestServer()
        server.pii = PIIProtection(keys: PIIKeys.generate())
        let email = "jane.pii.4417@example.org"
        try await server.makeApplication().test(.router) { client in
            let identify = try await client.call(
                .post, "/v1/identify", key: TestServer.write,
                body: #"{"userId": "u1", "traits": {"email": "\#(email)", "plan": "pro"}}"#)
            #expect(identify.status == 200)
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "u1"}"#)
            let patched = try await client.call(.patch, "/v1/users/u1", body: #"{"name": "Jane Pii"}"#)
            #expect(patched.json?["declared"]?["name"] == .string("Jane Pii"))
            #expect(patched.json?["declared"]?["email"] == .string(email))
            let profile = try await client.call(.get, "/v1/users/u1")
            #expect(profile.json?["declared"]?["email"] == .string(email))
            #expect(profile.json?["declared"]?["plan"] == .string("pro"))
            let export = try await client.call(.get, "/v1/users/u1/export")
            #expect(export.json?["declared"]?["email"] == .string(email))
        }
        let stored = try #require(try await server.store.traits(of: UserID(unchecked: "u1"), in: .default))
        #expect(!stored.contains(email) && !stored.contains("Jane Pii"), "\(stored)")
        #expect(stored.contains("\"plan\":\"pro\""))
    }
}

/// Event properties and context keep only the matching token of a personal field.
struct EventPseudonymisationAPITests {
    @Test func personalFieldsOfEventsAreStoredAsTokensOnly() async throws {
        var server = try TestServer()
        let protection = PIIProtection(keys: PIIKeys.generate())
        server.pii = protection
        let ip = "203.0.113.77"
        let email = "buyer.7731@example.org"
        try await server.makeApplication().test(.router) { client in
            let posted = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: """
                    {"batch": [
                      {"type": "view", "userId": "u1", "context": {"ip": "\(ip)", "locale": "en-GB"}},
                      {"type": "purchase", "userId": "u1", "properties": {"order": {"email": "\(email)", "total": 12}, "plan": "pro"}},
                      {"type": "view", "userId": "u1", "properties": {"ip": true, "Phone": 447700900731}}
                    ]}
                    """)
            #expect(posted.json?["accepted"] == .number(3))
            let listed = try await client.call(.get, "/v1/users/u1/events")
            let text = listed.text
            #expect(!text.contains(ip) && !text.contains(email), "\(text)")
            #expect(text.contains(protection.token(ip, field: "ip")))
            #expect(text.contains(protection.token(email, field: "email")))
            #expect(text.contains("en-GB") && text.contains("\"plan\""), "other fields stay as sent")
        }
        let events = try await server.store.events(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 10)
        let context = try #require(events.first { $0.event.type.rawValue == "view" && $0.event.context != nil }?.event.context)
        #expect(try JSONParser().parse(context)["ip"]?["$pii"]?["token"] == .string(protection.token(ip, field: "ip")))
        let other = try #require(events.first { $0.event.properties?.contains("\"ip\":true") == true })
        let properties = try JSONParser().parse(try #require(other.event.properties))
        #expect(properties["ip"] == .bool(true), "a boolean holds no personal data")
        #expect(properties["Phone"]?["$pii"]?["token"] == .string(protection.token("447700900731", field: "phone")),
                "a number is a phone number too, and names compare without case")
    }
}

/// Rules over pseudonymised attributes compare the values, though the store holds ciphertexts.
struct PseudonymisedSegmentRuleTests {
    @Test func rulesSeeTheValuesOfProtectedAttributes() async throws {
        var server = try TestServer()
        server.pii = PIIProtection(keys: PIIKeys.generate())
        try await server.makeApplication().test(.router) { client in
            let rule = #"{"name": "staff", "rule": "ends_with(attributes.email, \"@staff.example\") and attributes.name != \"Bot\""}"#
            let created = try await client.call(.post, "/v1/segments", body: rule)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json?["id"]?.stringValue)
            for (user, email, name) in [("u1", "Ann@staff.example", "Ann"), ("u2", "bob@else.example", "Bob"), ("u3", "bot@staff.example", "Bot")] {
                let identify = try await client.call(
                    .post, "/v1/identify", key: TestServer.write,
                    body: #"{"userId": "\#(user)", "traits": {"email": "\#(email)", "name": "\#(name)"}}"#)
                #expect(identify.status == 200)
            }
            let members = try await client.call(.get, "/v1/segments/\(id)/members", key: TestServer.read)
            #expect(members.json?["members"] == .array([.string("u1")]), "\(members.text)")
        }
        let stored = try #require(try await server.store.traits(of: UserID(unchecked: "u1"), in: .default))
        #expect(!stored.contains("staff.example"), "the store still holds no address: \(stored)")
    }
}
