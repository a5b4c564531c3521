import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Requests full of personal data (in identify traits, event properties, paths and query
/// strings; accepted and refused alike) leave none of it in the server's logs.
struct LogPrivacyTests {
    static let email = "jane.pii.7731@example.org"
    static let phone = "+44 7700 900731"
    static let name = "Janet Piiperson"
    static let ip = "203.0.113.77"
    /// The strings, and the pieces of them an encoder might leave recognisable.
    static let needles = [email, "jane.pii.7731", "jane.pii.7731%40example.org", phone, "7700 900731", "7700%20900731",
                          "900731", name, "Piiperson", ip]
    static let encodedEmail = "jane.pii.7731%40example.org"
    static let encodedName = "Janet%20Piiperson"

    static var traits: String { #"{"email": "\#(email)", "phone": "\#(phone)", "name": "\#(name)"}"# }

    /// (method, path, key, body): accepted, refused by validation, not found, malformed.
    static var requests: [(HTTPRequest.Method, String, String, String?)] {
        let admin = TestServer.admin
        let write = TestServer.write
        let read = TestServer.read
        return [
            (.post, "/v1/identify", write, #"{"userId": "u-pii", "anonymousId": "a-pii", "traits": \#(traits)}"#),
            (.post, "/v1/identify", write, #"{"userId": "", "traits": \#(traits)}"#),
            (.post, "/v1/identify", write, #"{"userId": "u-pii", "traits": \#(traits), "\#(name)": 1}"#),
            (.post, "/v1/identify", write, #"{"userId": "u-pii", "traits": {"email": "\#(email)", "age": "\#(phone)"}}"#),
            (.post, "/v1/events", write, #"""
                {"type": "form_submit", "userId": "u-pii", "itemId": "A1", "properties": \#(traits),
                 "context": {"ip": "\#(ip)", "pageUrl": "https://shop.example/?email=\#(email)"}}
                """#),
            (.post, "/v1/events", write, #"{"type": "view", "userId": "\#(email)", "itemId": "A2"}"#),
            (.post, "/v1/events", write, #"""
                {"batch": [{"type": "view", "userId": "u-pii", "timestamp": "\#(phone)", "properties": \#(traits)},
                           {"type": "view", "userId": "u-pii", "\#(name)": true},
                           {"type": "\#(email)", "userId": "u-pii"},
                           {"type": "view", "anonymousId": "\#(phone)", "itemId": "A3"}]}
                """#),
            (.post, "/v1/events", write, #"{"type": "view", "userId": "\#(email)"#),
            (.post, "/v1/events", write, #"{"type": "view", "userId": "u-pii", "value": "\#(name)"}"#),
            (.get, "/v1/users/u-pii/recommendations?category=\(encodedEmail)", read, nil),
            (.get, "/v1/users/u-pii/recommendations?filter=item.title%20%3D%3D%20%22\(encodedName)%22", read, nil),
            (.get, "/v1/users/u-pii/recommendations?filter=\(encodedName)(((", read, nil),
            (.get, "/v1/users/\(encodedEmail)/recommendations?count=\(encodedName)", read, nil),
            (.get, "/v1/users/\(encodedEmail)", admin, nil),
            (.get, "/v1/users/\(encodedName)", admin, nil),
            (.get, "/v1/users/\(encodedEmail)/events", admin, nil),
            (.patch, "/v1/users/u-pii", admin, #"{"name": "\#(name)", "email": "\#(email)", "age": "\#(phone)"}"#),
            (.patch, "/v1/users/u-pii", admin, #"{"name": "\#(name)", "email": "\#(email)"}"#),
            (.put, "/v1/users/\(encodedEmail)/consent", write, #"{"analytics": true, "\#(name)": true}"#),
            (.put, "/v1/users/\(encodedEmail)/consent", write, #"{"analytics": "\#(phone)"}"#),
            (.put, "/v1/users/\(encodedEmail)/consent", write, #"{"personalization": false, "source": "\#(name)"}"#),
            (.put, "/v1/users/\(encodedEmail)/consent", write, #"{"marketing": false}"#),
            (.get, "/v1/users/\(encodedEmail)/consent", admin, nil),
            (.put, "/v1/items/i-pii", admin, #"{"title": "\#(name)", "description": "\#(email) \#(phone)"}"#),
            (.put, "/v1/items/i-pii", admin, #"{"title": "\#(name)", "available": "\#(email)"}"#),
            (.post, "/v1/segments", admin, #"{"name": "pii", "rule": "attributes.email == \"\#(email)\""}"#),
            (.post, "/v1/segments", admin, #"{"name": "\#(name)", "rule": "attributes.email == \#(email)"}"#),
            (.post, "/v1/webhooks", admin, #"{"url": "https://crm.example/h?email=\#(email)"}"#),
            (.post, "/v1/webhooks", admin, #"{"url": "ftp://\#(email)"}"#),
            (.post, "/v1/experiments", admin, #"{"key": "e-pii", "variants": [{"key": "a"}], "targeting": "user.email == \"\#(email)\""}"#),
            (.get, "/v1/experiments/e-pii/assignment?user=\(encodedEmail)", read, nil),
            (.get, "/v1/users/u-pii/export", admin, nil),
            (.get, "/v1/stats", email, nil),
            (.delete, "/v1/users/\(encodedEmail)", admin, nil),
            (.delete, "/v1/users/u-pii", admin, nil),
        ]
    }

    @Test func personalDataInRequestsNeverReachesTheLogs() async throws {
        let log = CapturedLog()
        var server = try TestServer()
        server.logger = log.logger()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        let store = server.store
        let statuses = try await server.makeApplication().test(.router) { client in
            var statuses: [Int] = []
            // The served model is promoted (and logged) first: proof that the capture works.
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            for (method, path, key, body) in Self.requests {
                let reply = try await client.call(method, path, key: key, body: body)
                #expect(reply.status < 500, "\(method) \(path): \(reply.status) \(reply.text)")
                #expect(reply.status != 200 || method != .get || !path.contains("recommendations") || reply.json != nil)
                statuses.append(reply.status)
            }
            // Server faults are logged: break the storage under two routes that carry personal data.
            try await store.writer.write { db in
                try db.execute(sql: "DROP TABLE consent_history; DROP TABLE events")
            }
            let consent = try await client.call(
                .put, "/v1/users/\(Self.encodedEmail)/consent?note=\(Self.encodedName)", key: TestServer.write,
                body: #"{"analytics": false}"#)
            let events = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"type": "view", "userId": "\#(Self.email)", "properties": \#(Self.traits)}"#)
            statuses += [consent.status, events.status]
            return statuses
        }
        #expect(statuses.suffix(2) == [500, 500])
        #expect(statuses.contains(200) && statuses.contains(422) && statuses.contains(404) && statuses.contains(400))
        #expect(statuses.contains(401))
        let lines = log.all
        #expect(lines.contains { $0.contains("model promoted") }, "the capture sees the server's logs: \(lines)")
        #expect(lines.contains { $0.contains("request failed") }, "server faults are logged")
        for line in lines {
            for needle in Self.needles {
                #expect(!line.contains(needle), "a log line holds \(needle): \(line)")
            }
        }
    }
}
