import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct EventsAPITests {
    @Test func acceptsOneEventAndReadsItBack() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let posted = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"type": "view", "userId": "u1", "itemId": "i1", "properties": {"ref": "mail"}}"#)
            #expect(posted.status == 200)
            #expect(posted.number("accepted") == 1)
            let history = try await client.call(.get, "/v1/users/u1/events")
            #expect(history.status == 200)
            guard case .array(let events)? = history.json?["events"] else { Issue.record("no events"); return }
            #expect(events.count == 1)
            #expect(events[0]["itemId"] == .string("i1"))
            #expect(events[0]["properties"]?["ref"] == .string("mail"))
        }
    }

    @Test func aBatchMixingValidInvalidAndDuplicateEventsStoresEachValidOneOnce() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let id = "6f1c2a52-5d7e-4c43-9a57-0d9c1b7e0001"
            let body = """
                {"batch": [
                  {"id": "\(id)", "type": "view", "userId": "u1", "itemId": "i1"},
                  {"type": "view"},
                  {"id": "\(id)", "type": "view", "userId": "u1", "itemId": "i1"},
                  {"type": "purchase", "userId": "u2", "value": "ten"},
                  {"type": "click", "anonymousId": "a1"}
                ]}
                """
            let first = try await client.call(.post, "/v1/events", key: TestServer.write, body: body)
            #expect(first.status == 200)
            #expect(first.number("received") == 5)
            #expect(first.number("accepted") == 2)
            #expect(first.number("duplicates") == 1)
            guard case .array(let rejected)? = first.json?["rejected"] else { Issue.record("no rejected list"); return }
            #expect(rejected.map { $0["index"] } == [.number(1), .number(3)])
            #expect(rejected[0]["error"]?["field"] == .string("batch[1].userId"))
            #expect(rejected[1]["error"]?["field"] == .string("batch[3].value"))
            #expect(rejected[1]["error"]?["code"] == .string("invalid_value"))

            let replay = try await client.call(.post, "/v1/events", key: TestServer.write, body: body)
            #expect(replay.number("accepted") == 1)  // the event without a client id gets a new one
            #expect(replay.number("duplicates") == 2)  // both copies of the client-id event
        }
        #expect(try await server.store.stats(of: .default).events == 3)
    }

    @Test func aBatchWithNoValidEventIsUnprocessable() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"batch": [{"type": 1}]}"#)
            #expect(reply.status == 422)
            #expect(reply.errorCode == "invalid_value")
        }
        #expect(try await server.store.stats(of: .default).events == 0)
    }

    @Test(arguments: [
        ("{\"type\": \"view\"", 400, "malformed_json"),
        ("", 400, "malformed_json"),
        ("[1, 2]", 422, "invalid_value"),
        ("{\"batch\": {}}", 422, "invalid_value"),
        ("{\"batch\": []}", 422, "invalid_value"),
        ("{\"batch\": [], \"extra\": 1}", 422, "invalid_value"),
        ("{\"type\": \"view\", \"userId\": \"u\", \"timestamp\": \"soon\"}", 422, "invalid_value"),
        ("{\"userId\": \"u\"}", 422, "missing_field"),
    ])
    func rejectsBadBodiesWithTheRightStatus(_ body: String, _ status: Int, _ code: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.post, "/v1/events", key: TestServer.write, body: body)
            #expect(reply.status == status)
            #expect(reply.errorCode == code)
        }
        #expect(try await server.store.stats(of: .default).events == 0)
    }

    @Test func rejectsInvalidUTF8() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let bytes = Array(#"{"type": "view", "userId": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
            let reply = try await client.call(.post, "/v1/events", key: TestServer.write, bytes: bytes)
            #expect(reply.status == 400)
            #expect(reply.errorCode == "invalid_utf8")
        }
        #expect(try await server.store.stats(of: .default).events == 0)
    }

    @Test func rejectsDeeplyNestedJSON() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let nested = String(repeating: "{\"a\":", count: 5_000) + "1" + String(repeating: "}", count: 5_000)
            let body = #"{"type": "view", "userId": "u", "properties": "# + nested + "}"
            let reply = try await client.call(.post, "/v1/events", key: TestServer.write, body: body)
            #expect(reply.status == 400)
            #expect(reply.errorCode == "malformed_json")
        }
    }

    @Test func rejectsOversizedBodiesAndBatches() async throws {
        var server = try TestServer()
        server.limits.maxEventBodyBytes = 4_096
        try await server.makeApplication().test(.router) { client in
            let big = #"{"type": "view", "userId": "u", "properties": {"p": ""# + String(repeating: "x", count: 5_000) + #""}}"#
            let reply = try await client.call(.post, "/v1/events", key: TestServer.write, body: big)
            #expect(reply.status == 413)
            #expect(reply.errorCode == "payload_too_large")
        }
        let roomy = try TestServer()
        try await roomy.makeApplication().test(.router) { client in
            let events = Array(repeating: #"{"type":"view","userId":"u"}"#, count: 1_001).joined(separator: ",")
            let reply = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"batch": [\#(events)]}"#)
            #expect(reply.status == 413)
        }
        #expect(try await server.store.stats(of: .default).events == 0)
        #expect(try await roomy.store.stats(of: .default).events == 0)
    }

    @Test func identifyLinksAnonymousActivityToTheUser() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "anonymousId": "a1"}"#)
            let linked = try await client.call(
                .post, "/v1/identify", key: TestServer.write, body: #"{"anonymousId": "a1", "userId": "u1", "traits": {"plan": "gold"}}"#)
            #expect(linked.status == 200)
            let history = try await client.call(.get, "/v1/users/u1/events")
            guard case .array(let events)? = history.json?["events"] else { Issue.record("no events"); return }
            #expect(events.count == 1)
            let bad = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "u1"}"#)
            #expect(bad.status == 422)
            #expect(bad.errorField == "anonymousId")
        }
        #expect(try await server.store.traits(of: UserID(unchecked: "u1"), in: .default) == #"{"plan":"gold"}"#)
    }

    @Test func userEventsPaginateWithAnOpaqueCursor() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let events = (0..<5).map { #"{"type":"view","userId":"u1","itemId":"i\#($0)"}"# }.joined(separator: ",")
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"batch": [\#(events)]}"#)
            let first = try await client.call(.get, "/v1/users/u1/events?limit=3")
            let cursor = try #require(first.json?["nextCursor"]?.stringValue)
            let second = try await client.call(.get, "/v1/users/u1/events?limit=3&cursor=\(cursor)")
            guard case .array(let rest)? = second.json?["events"] else { Issue.record("no events"); return }
            #expect(rest.map { $0["itemId"] } == [.string("i3"), .string("i4")])
            #expect(second.json?["nextCursor"] == .null)
            for query in ["limit=0", "limit=1001", "limit=abc", "cursor=%25%25", "cursor=bm90LWEtbnVtYmVy"] {
                let reply = try await client.call(.get, "/v1/users/u1/events?\(query)")
                #expect(reply.status == 422, "\(query)")
            }
        }
    }
}
