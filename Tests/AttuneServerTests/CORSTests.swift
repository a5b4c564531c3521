import AttuneCore
import AttuneServer
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct CORSTests {
    static let shop = "https://shop.example"

    func preflight(_ client: some TestClientProtocol, origin: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/events", method: .options,
            headers: [.origin: origin, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type"]
        ) { $0 }
    }

    @Test func aListedOriginsPreflightIsAnswered() async throws {
        var server = try TestServer()
        server.corsOrigins = [Self.shop]
        try await server.makeApplication().test(.router) { client async throws in
            let reply = try await preflight(client, origin: Self.shop)
            #expect(reply.status == .noContent)
            #expect(reply.headers[.accessControlAllowOrigin] == Self.shop)
            #expect(reply.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(reply.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(reply.headers[.vary] == "Origin")
        }
    }

    @Test(arguments: ["https://evil.example", "https://shop.example.evil.example", "null", "http://shop.example"])
    func anUnlistedOriginGetsNoCORSAnswer(_ origin: String) async throws {
        var server = try TestServer()
        server.corsOrigins = [Self.shop]
        try await server.makeApplication().test(.router) { client async throws in
            let reply = try await preflight(client, origin: origin)
            #expect(reply.status != .noContent)
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
            let post = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"u"}"#)
            #expect(post.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func withoutAnAllowListNoOriginIsAnswered() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client async throws in
            let reply = try await preflight(client, origin: Self.shop)
            #expect(reply.status == .methodNotAllowed)
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func requestsFromAListedOriginCarryItOnSuccessAndError() async throws {
        var server = try TestServer()
        server.corsOrigins = [Self.shop]
        try await server.makeApplication().test(.router) { client async throws in
            for key in [TestServer.write, "wrong-key-0123456789abc"] {
                let reply = try await client.execute(
                    uri: "/v1/events", method: .post,
                    headers: [.origin: Self.shop, .authorization: "Bearer \(key)", .contentType: "application/json"],
                    body: .init(string: #"{"type":"view","userId":"u"}"#)
                ) { $0 }
                #expect(reply.headers[.accessControlAllowOrigin] == Self.shop)
            }
        }
    }

    @Test(arguments: ["*", "https://shop.example/", "https://shop.example/path", "shop.example", "ftp://shop.example", "https://", "https://Shop.Example", ""])
    func badOriginsAreRefusedAtStartup(_ origin: String) {
        #expect(throws: AttuneError.self) { try CORSAllowListMiddleware<AppRequestContext>.validate(origin) }
    }

    @Test(arguments: ["https://shop.example", "http://localhost:3000", "https://[::1]:8443"])
    func wellFormedOriginsAreAccepted(_ origin: String) throws {
        try CORSAllowListMiddleware<AppRequestContext>.validate(origin)
    }
}
