import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// With pseudonymisation on, an e-mail address or phone number sent as a user id is refused with
/// a 422 naming the field (it would be stored raw everywhere); with it off, it is accepted.
struct PersonalIDAPITests {
    static let email = "ann.id.5512@example.org"

    @Test func personalDataAsAnIdIsRefusedWithItsFieldAndNothingIsStored() async throws {
        var server = try TestServer()
        server.pii = PIIProtection(keys: PIIKeys.generate())
        try await server.store.ensureWorkspace(.default, at: server.clock.now())
        _ = try await server.store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: "u1"), Fixtures.event(2, user: "u2"),
        ])])
        let store = server.store
        try await server.makeApplication().test(.router) { client in
            let before = try await store.stats(of: .default)
            let cases: [(HTTPRequest.Method, String, String, String?, String)] = [
                (.post, "/v1/events", TestServer.write, #"{"type": "view", "userId": "\#(Self.email)"}"#, "userId"),
                (.post, "/v1/events", TestServer.write, #"{"type": "view", "anonymousId": "+44 7700 900123"}"#, "anonymousId"),
                (.post, "/v1/identify", TestServer.admin, #"{"userId": "\#(Self.email)", "traits": {"plan": "pro"}}"#, "userId"),
                (.post, "/v1/identify", TestServer.write, #"{"userId": "u1", "anonymousId": "\#(Self.email)"}"#, "anonymousId"),
                (.patch, "/v1/users/\(Self.email)", TestServer.admin, #"{"plan": "pro"}"#, "id"),
                (.patch, "/v1/users/+447700900123", TestServer.admin, #"{"plan": "pro"}"#, "id"),
                (.post, "/v1/users/merge", TestServer.admin, #"{"users": ["u1", "\#(Self.email)"]}"#, "users[1]"),
                (.post, "/v1/users/merge", TestServer.admin, #"{"users": ["u1", "u2"], "canonical": "+447700900123"}"#, "canonical"),
                (.put, "/v1/users/\(Self.email)/consent", TestServer.write, #"{"marketing": true}"#, "id"),
                (.post, "/v1/users/\(Self.email)/texts", TestServer.write, #"{"text": "lovely", "source": "review"}"#, "id"),
            ]
            for (method, path, key, body, field) in cases {
                let reply = try await client.call(method, path, key: key, body: body)
                #expect(reply.status == 422, "\(path): \(reply.text)")
                #expect(reply.errorField == field, "\(path): \(reply.text)")
                #expect(reply.json?["error"]?["message"]?.stringValue?.contains("identifier or trait instead") == true)
                #expect(!reply.text.contains(Self.email), "the answer does not repeat the address")
            }
            let batch = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"batch": [{"type": "view", "userId": "u1"}, {"type": "view", "userId": "\#(Self.email)"}]}"#)
            #expect(batch.status == 200, "\(batch.text)")
            #expect(batch.json?["accepted"] == .number(1))
            guard case .array(let rejected)? = batch.json?["rejected"] else { Issue.record("no rejected list"); return }
            #expect(rejected.first?["error"]?["field"] == .string("batch[1].userId"))
            let after = try await store.stats(of: .default)
            #expect(after.events == before.events + 1, "only the pseudonymous event was stored")
            #expect(after.users == before.users)
            #expect(try await store.traits(of: UserID(unchecked: Self.email), in: .default) == nil)
            #expect(try await store.consent(of: UserID(unchecked: Self.email), in: .default) == nil)
            #expect(try await store.texts(of: UserID(unchecked: Self.email), in: .default, after: nil, limit: 5).isEmpty)
            #expect(try await store.canonicalUser(of: UserID(unchecked: "u2"), in: .default) == UserID(unchecked: "u2"))
        }
    }

    @Test func withoutPseudonymisationSuchIdsAreAccepted() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let event = try await client.call(
                .post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "\#(Self.email)"}"#)
            #expect(event.status == 200, "\(event.text)")
            let identify = try await client.call(
                .post, "/v1/identify", key: TestServer.write, body: #"{"userId": "+447700900123", "traits": {"plan": "pro"}}"#)
            #expect(identify.status == 200, "\(identify.text)")
            let patched = try await client.call(.patch, "/v1/users/\(Self.email)", body: #"{"plan": "pro"}"#)
            #expect(patched.status == 200, "\(patched.text)")
        }
    }
}
