import AttuneCore
import AttuneEngine
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

    /// With pseudonymisation on, an e-mail address or phone number sent as an id is refused: the
    /// refusal names the field, and neither the answer nor any log line repeats the value.
    @Test func refusedPersonalIdsReachNeitherTheAnswersNorTheLogs() async throws {
        let email = "zoe.idlog.6620@example.org"
        let encoded = "zoe.idlog.6620%40example.org"
        let phone = "+44 7700 900455"
        let compactPhone = "+447700900455"
        let needles = [email, "zoe.idlog.6620", encoded, "7700900455", "7700 900455", "900455"]
        let log = CapturedLog()
        var server = try TestServer()
        server.logger = log.logger()
        server.pii = PIIProtection(keys: PIIKeys.generate())
        let write = TestServer.write
        let admin = TestServer.admin
        let requests: [(HTTPRequest.Method, String, String, String?)] = [
            (.post, "/v1/events", write, #"{"type": "view", "userId": "\#(email)", "itemId": "A1"}"#),
            (.post, "/v1/events", write, #"{"type": "view", "anonymousId": "\#(phone)"}"#),
            (.post, "/v1/events", write, #"{"batch": [{"type": "view", "userId": "u1"}, {"type": "view", "userId": "\#(phone)"}]}"#),
            (.post, "/v1/identify", write, #"{"userId": "\#(email)", "traits": {"plan": "pro"}}"#),
            (.post, "/v1/identify", write, #"{"userId": "u1", "anonymousId": "\#(phone)"}"#),
            (.patch, "/v1/users/\(encoded)", admin, #"{"plan": "pro"}"#),
            (.patch, "/v1/users/\(compactPhone)", admin, #"{"plan": "pro"}"#),
            (.post, "/v1/users/merge", admin, #"{"users": ["u1", "\#(email)"]}"#),
            (.post, "/v1/users/merge", admin, #"{"users": ["u1", "u2"], "canonical": "\#(phone)"}"#),
            (.put, "/v1/users/\(encoded)/consent", write, #"{"marketing": true}"#),
            (.put, "/v1/users/\(compactPhone)/consent", write, #"{"analytics": false}"#),
            (.post, "/v1/users/\(encoded)/texts", write, #"{"text": "lovely", "source": "review"}"#),
            (.post, "/v1/users/\(compactPhone)/texts", write, #"{"text": "call me on \#(phone)", "source": "chat"}"#),
            (.get, "/v1/users/\(encoded)", admin, nil),
            (.get, "/v1/users/\(encoded)/export", admin, nil),
            (.delete, "/v1/users/\(compactPhone)", admin, nil),
        ]
        let store = server.store
        let refusals = try await server.makeApplication().test(.router) { client in
            var refusals = 0
            for (method, path, key, body) in requests {
                let reply = try await client.call(method, path, key: key, body: body)
                #expect(reply.status < 500, "\(method) \(path): \(reply.status) \(reply.text)")
                if reply.text.contains("must not be") { refusals += 1 }
                for needle in needles {
                    #expect(!reply.text.contains(needle), "the answer to \(method) \(path) holds \(needle): \(reply.text)")
                }
            }
            // A server fault is logged: a batch whose other event is stored when the storage breaks.
            try await store.writer.write { db in try db.execute(sql: "DROP TABLE events") }
            let broken = try await client.call(
                .post, "/v1/events?note=\(encoded)", key: write,
                body: #"{"batch": [{"type": "view", "userId": "u1"}, {"type": "view", "userId": "\#(email)"}]}"#)
            #expect(broken.status == 500, "\(broken.text)")
            return refusals
        }
        #expect(refusals == 13, "every id in a body or a writing path is refused")
        let lines = log.all
        #expect(lines.contains { $0.contains("request failed") }, "the capture sees the server's logs: \(lines)")
        for line in lines {
            for needle in needles {
                #expect(!line.contains(needle), "a log line holds \(needle): \(line)")
            }
        }
    }
}
