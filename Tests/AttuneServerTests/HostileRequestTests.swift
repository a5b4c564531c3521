import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Requests that are wrong below the level of any one route: unparsable HTTP, methods a path does
/// not serve, bodies that are not JSON, query parameters given twice.
struct HostileRequestTests {
    /// Bytes no HTTP client would send, named for the test report.
    struct RawRequest: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: [UInt8]

        init(_ name: String, _ head: String, _ raw: [UInt8] = [], _ tail: String = "") {
            testDescription = name
            bytes = Array(head.utf8) + raw + Array(tail.utf8)
        }
    }

    static let unparsable: [RawRequest] = [
        RawRequest(
            "a raw non-ASCII byte in the query", "GET /v1/users/u1/recommendations?category=", [0xFF],
            " HTTP/1.1\r\nHost: x\r\n\r\n"),
        RawRequest("a space in the path", "GET /heal thz HTTP/1.1\r\nHost: x\r\n\r\n"),
        RawRequest(
            "a URL longer than the header limit",
            "GET /v1/items/" + String(repeating: "a", count: 100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
        RawRequest("a header line without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n"),
    ]

    @Test(arguments: unparsable)
    func anUnparsableRequestIsAnswered400AndItsConnectionClosed(_ request: RawRequest) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let reply = await RawHTTPExchange.roundTrip(request.bytes, port: port)
            #expect(reply?.hasPrefix("HTTP/1.1 400 ") == true, "\(reply ?? "no answer, and the connection left open")")
            let healthy = await RawHTTPExchange.roundTrip(
                RawRequest("", "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").bytes, port: port)
            #expect(healthy?.hasPrefix("HTTP/1.1 200 ") == true)
        }
    }

    @Test func aMethodThePathDoesNotServeIs405WithAllow() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let patch = try await client.call(.patch, "/v1/items/i1")
            #expect(patch.status == 405)
            #expect(patch.errorCode == "method_not_allowed")
            #expect(patch.headers[.allow] == "DELETE, GET, PUT")
            let trace = try await client.call(.trace, "/v1/items", key: nil)
            #expect(trace.status == 405)
            #expect(trace.headers[.allow] == "GET, POST")
            #expect(try await client.call(.get, "/v1/nowhere").status == 404)
            #expect(try await client.call(.patch, "/v1/items/i1/nowhere").status == 404)
        }
        #expect(try await server.store.stats(of: .default).items == 0)
    }

    @Test func theStreamPathWithoutAnUpgradeSays426() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.get, "/v1/stream", key: nil)
            #expect(reply.status == 426)
            #expect(reply.errorCode == "upgrade_required")
            #expect(reply.headers[.upgrade] == "websocket")
        }
    }

    @Test(arguments: [
        "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "application/xml",
    ])
    func aBodyDeclaredAsSomethingElseThanJSONIs415(_ contentType: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let body = #"{"type": "view", "userId": "u1"}"#
            let event = try await client.call(
                .post, "/v1/events", key: TestServer.write, body: body, contentType: contentType)
            #expect(event.status == 415)
            #expect(event.errorCode == "unsupported_media_type")
            let item = try await client.call(.put, "/v1/items/i1", body: #"{"title": "T"}"#, contentType: contentType)
            #expect(item.status == 415)
        }
        #expect(try await server.store.stats(of: .default).events == 0)
        #expect(try await server.store.stats(of: .default).items == 0)
    }

    @Test(arguments: [nil, "application/json", #"Application/JSON; charset="UTF-8""#, "application/vnd.api+json"])
    func aJSONBodyIsTakenWithOrWithoutAContentType(_ contentType: String?) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(
                .post, "/v1/events", key: TestServer.write, body: #"{"type": "view", "userId": "u1"}"#,
                contentType: contentType)
            #expect(reply.status == 200)
        }
        #expect(try await server.store.stats(of: .default).events == 1)
    }

    @Test(arguments: [
        ("/v1/items?limit=5&limit=0", "limit"),
        ("/v1/users/u1/events?limit=1&limit=1", "limit"),
        ("/v1/users/u1/recommendations?count=5&count=0", "count"),
        ("/v1/items/i1/similar?category=a&category=b", "category"),
        ("/v1/items/i1/audience?count=1&count=2", "count"),
    ])
    func aSingleValuedQueryParameterGivenTwiceIs422(_ uri: String, _ field: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.get, uri)
            #expect(reply.status == 422, "\(uri)")
            #expect(reply.errorField == field)
        }
    }
}
