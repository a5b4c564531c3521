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
