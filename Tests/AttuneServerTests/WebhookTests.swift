import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Records requests and fails the first `failures` of them with `status`.
final class RecordingTransport: WebhookTransport {
    struct Sent: Sendable {
        var url: String
        var headers: [String: String]
        var body: [UInt8]
    }

    private let state: Locked<(sent: [Sent], failures: Int, status: Int)>

    init(failures: Int = 0, status: Int = 503) {
        state = Locked((sent: [], failures: failures, status: status))
    }

    var sent: [Sent] { state.withLock { $0.sent } }

    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> Int {
        state.withLock { s in
            s.sent.append(Sent(url: url, headers: Dictionary(headers, uniquingKeysWith: { $1 }), body: body))
            if s.failures > 0 {
                s.failures -= 1
                return s.status
            }
            return 204
        }
    }
}

struct WebhookTests {
    /// A gold segment, a webhook on it, and two users entering it.
    static func setUp(_ client: some TestClientProtocol) async throws -> (webhook: String, secret: String, segment: String) {
        let segment = try await client.call(.post, "/v1/segments", body: #"{"name": "gold", "rule": "attributes.plan == \"gold\""}"#)
        let segmentID = try #require(segment.json?["id"]?.stringValue)
        let created = try await client.call(
            .post, "/v1/webhooks", body: #"{"url": "https://crm.example/hooks", "segment": "\#(segmentID)", "secret": "0123456789abcdef-secret"}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(created.json?["secret"] == .string("0123456789abcdef-secret"))
        for user in ["ann", "bob"] {
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "\#(user)", "traits": {"plan": "gold"}}"#)
        }
        return (id, "0123456789abcdef-secret", segmentID)
    }

    @Test func changesAreDeliveredInOrderSignedAndOnce() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let (_, secret, segment) = try await Self.setUp(client)
            // A change of another segment is not this webhook's business.
            _ = try await client.call(.post, "/v1/segments", body: #"{"name": "everyone", "rule": "user.id != \"\""}"#)
            let transport = RecordingTransport()
            let dispatcher = WebhookDispatcher(store: server.store, transport: transport, clock: server.clock, logger: Logger(label: "t"))
            #expect(try await dispatcher.deliver(in: .default) == 2)
            #expect(try await dispatcher.deliver(in: .default) == 0, "each change once")
            let sent = transport.sent
            #expect(sent.map { try? JSONParser().parse(String(decoding: $0.body, as: UTF8.self))["userId"] } == [.string("ann"), .string("bob")])
            for request in sent {
                let body = try JSONParser().parse(String(decoding: request.body, as: UTF8.self))
                #expect(body["type"] == .string("segment.entered"))
                #expect(body["segmentId"] == .string(segment))
                let timestamp = try #require(request.headers["X-Attune-Timestamp"].flatMap { Int64($0) })
                let signature = try #require(request.headers["X-Attune-Signature"])
                #expect(WebhookSignature.verify(signature, secret: secret, timestamp: timestamp, body: request.body))
                #expect(!WebhookSignature.verify(signature, secret: "another-secret-of-16", timestamp: timestamp, body: request.body))
                #expect(request.url == "https://crm.example/hooks")
            }
            // Leaving is a change too.
            _ = try await client.call(.patch, "/v1/users/ann", body: #"{"plan": "free"}"#)
            #expect(try await dispatcher.deliver(in: .default) == 1)
            let left = try JSONParser().parse(String(decoding: try #require(transport.sent.last).body, as: UTF8.self))
            #expect(left["type"] == .string("segment.left"))
        }
    }

    @Test func failuresAreRetriedWithBackOffThenDeadLettered() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let (id, _, _) = try await Self.setUp(client)
            // Two failures, then success: the first change arrives on the third attempt, in order.
            let flaky = RecordingTransport(failures: 2)
            let dispatcher = WebhookDispatcher(
                store: server.store, transport: flaky, clock: server.clock, maxAttempts: 3, baseDelayMilliseconds: 1_000,
                logger: Logger(label: "t"))
            #expect(try await dispatcher.deliver(in: .default) == 0)
            #expect(try await dispatcher.deliver(in: .default) == 0, "backing off: not due yet")
            #expect(flaky.sent.count == 1)
            server.clock.advance(milliseconds: 1_000)
            #expect(try await dispatcher.deliver(in: .default) == 0)
            server.clock.advance(milliseconds: 1_999)
            #expect(try await dispatcher.deliver(in: .default) == 0, "the second delay is 2 s")
            server.clock.advance(milliseconds: 1)
            #expect(try await dispatcher.deliver(in: .default) == 2)
            let bodies = flaky.sent.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies.count == 4 && bodies[0] == bodies[1] && bodies[1] == bodies[2] && bodies[3].contains("bob"))
            let state = try await client.call(.get, "/v1/webhooks")
            #expect(state.json?["webhooks"] == .array([try #require(state.json?["webhooks"]?.arrayFirst)]))

            // A receiver that always fails: after three attempts each change is dead-lettered and delivery moves on.
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "cid", "traits": {"plan": "gold"}}"#)
            let down = RecordingTransport(failures: 100, status: 500)
            let failing = WebhookDispatcher(
                store: server.store, transport: down, clock: server.clock, maxAttempts: 3, baseDelayMilliseconds: 10,
                logger: Logger(label: "t"))
            for _ in 0..<3 {
                _ = try await failing.deliver(in: .default)
                server.clock.advance(milliseconds: 100)
            }
            #expect(down.sent.count == 3)
            let letters = try await client.call(.get, "/v1/webhooks/\(id)/dead-letters")
            #expect(letters.status == 200, "\(letters.text)")
            guard case .array(let items)? = letters.json?["deadLetters"] else {
                Issue.record("\(letters.text)")
                return
            }
            #expect(items.count == 1)
            #expect(items.first?["userId"] == .string("cid"))
            #expect(items.first?["error"] == .string("HTTP 500"))
        }
    }

    @Test func badWebhooksAreRefused() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            for (body, field) in [
                (#"{"url": "ftp://x"}"#, "url"), (#"{"url": "https://"}"#, "url"), (#"{}"#, "url"),
                (#"{"url": "https://a.example", "segment": "nope"}"#, "segment"),
                (#"{"url": "https://a.example", "secret": "short"}"#, "secret"), (#"{"url": "https://a.example", "x": 1}"#, "x"),
            ] {
                let reply = try await client.call(.post, "/v1/webhooks", body: body)
                #expect(reply.status == 422, "\(body): \(reply.text)")
                #expect(reply.errorField == field, "\(body): \(reply.text)")
            }
            #expect(try await client.call(.delete, "/v1/webhooks/wh_abc").status == 404)
            #expect(try await client.call(.delete, "/v1/webhooks/not-an-id").status == 422)
            #expect(try await client.call(.get, "/v1/webhooks", key: TestServer.read).status == 403)
            let listed = try await client.call(.get, "/v1/webhooks")
            #expect(listed.json?["webhooks"] == .array([]))
        }
    }
}

extension JSONValue {
    var arrayFirst: JSONValue? {
        if case .array(let items) = self { return items.first }
        return nil
    }
}

struct HTTPWebhookTransportTests {
    /// The real transport against a live local receiver that checks the signature.
    @Test func aSignedRequestReachesALiveReceiver() async throws {
        let received = Locked<[String]>([])
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 65_536)
            let bytes = Array(body.readableBytesView)
            let timestamp = Int64(request.headers[HTTPField.Name("X-Attune-Timestamp")!] ?? "") ?? 0
            let signature = request.headers[HTTPField.Name("X-Attune-Signature")!] ?? ""
            guard WebhookSignature.verify(signature, secret: "receiver-secret-123", timestamp: timestamp, body: bytes) else {
                return .unauthorized
            }
            received.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
            return .noContent
        }
        try await Application(router: router).test(.live) { client in
            let port = try #require(client.port)
            let body = Array(#"{"type":"segment.entered"}"#.utf8)
            let transport = HTTPWebhookTransport()
            let good = try await transport.post(
                url: "http://127.0.0.1:\(port)/hook",
                headers: [("X-Attune-Timestamp", "1700000000"),
                          ("X-Attune-Signature", WebhookSignature.sign(secret: "receiver-secret-123", timestamp: 1_700_000_000, body: body))],
                body: body, timeout: .seconds(5))
            #expect(good == 204)
            let forged = try await transport.post(
                url: "http://127.0.0.1:\(port)/hook",
                headers: [("X-Attune-Timestamp", "1700000000"),
                          ("X-Attune-Signature", WebhookSignature.sign(secret: "wrong-secret-12345", timestamp: 1_700_000_000, body: body))],
                body: body, timeout: .seconds(5))
            #expect(forged == 401)
            #expect(received.withLock { $0 } == [#"{"type":"segment.entered"}"#])
        }
    }
}
