import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct AuthorizationTests {
    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        /// The least scope that may call it.
        var scope: AccessScope
        var description: String { "\(method) \(path)" }
    }

    static let routes: [Route] = [
        Route(method: .post, path: "/v1/events", body: #"{"type":"view","userId":"u"}"#, scope: .write),
        Route(method: .post, path: "/v1/identify", body: #"{"anonymousId":"a","userId":"u"}"#, scope: .write),
        Route(method: .get, path: "/v1/items", scope: .read),
        Route(method: .get, path: "/v1/items/i1", scope: .read),
        Route(method: .put, path: "/v1/items/i1", body: #"{"title":"T"}"#, scope: .admin),
        Route(method: .post, path: "/v1/items", body: #"{"items":[{"id":"i2"}]}"#, scope: .admin),
        Route(method: .delete, path: "/v1/items/i1", scope: .admin),
        Route(method: .get, path: "/v1/users/u/events", scope: .admin),
        Route(method: .get, path: "/v1/stats", scope: .admin),
        Route(method: .get, path: "/v1/users/u/recommendations", scope: .read),
    ]

    static let keys: [(String, AccessScope)] = [(TestServer.write, .write), (TestServer.read, .read), (TestServer.admin, .admin)]

    @Test(arguments: routes)
    func everyRouteChecksKeyAndScope(_ route: Route) async throws {
        let server = try TestServer()
        try await server.store.ensureWorkspace(.default, at: server.clock.now())
        try await server.store.upsert([Fixtures.item("i1")], in: .default)
        try await server.makeApplication().test(.router) { client in
            let missing = try await client.call(route.method, route.path, key: nil, body: route.body)
            #expect(missing.status == 401, "no key: \(route)")
            #expect(missing.errorCode == "unauthorized")
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.call(route.method, route.path, key: "not-a-real-key-at-all", body: route.body)
            #expect(wrong.status == 401, "unknown key: \(route)")
            let malformed = try await client.call(route.method, route.path, key: nil, body: route.body)
            #expect(malformed.status == 401)
            for (key, scope) in Self.keys {
                let reply = try await client.call(route.method, route.path, key: key, body: route.body)
                if scope.permits(route.scope) {
                    #expect((200..<300).contains(reply.status), "\(scope) on \(route): \(reply.status) \(reply.text)")
                } else {
                    #expect(reply.status == 403, "\(scope) on \(route)")
                    #expect(reply.errorCode == "forbidden")
                }
            }
        }
    }

    @Test func aKeyOfOneWorkspaceNeverReachesAnothersData() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.put, "/v1/items/secret", body: #"{"title": "Default only"}"#)
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"u1"}"#)
            let item = try await client.call(.get, "/v1/items/secret", key: TestServer.otherAdmin)
            #expect(item.status == 404)
            let list = try await client.call(.get, "/v1/items", key: TestServer.otherAdmin)
            #expect(list.json?["items"] == .array([]))
            let events = try await client.call(.get, "/v1/users/u1/events", key: TestServer.otherAdmin)
            #expect(events.json?["events"] == .array([]))
            let stats = try await client.call(.get, "/v1/stats", key: TestServer.otherAdmin)
            #expect(stats.number("events") == 0)
            let delete = try await client.call(.delete, "/v1/items/secret", key: TestServer.otherAdmin)
            #expect(delete.status == 404)
            let overwrite = try await client.call(.put, "/v1/items/secret", key: TestServer.otherAdmin, body: #"{"title": "Mine"}"#)
            #expect(overwrite.status == 201)
        }
        #expect(try await server.store.item(ItemID(unchecked: "secret"), in: .default)?.title == "Default only")
        #expect(try await server.store.item(ItemID(unchecked: "secret"), in: .default)?.available == true)
    }

    @Test func aMalformedAuthorizationHeaderIsUnauthorized() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.execute(uri: "/v1/stats", method: .get, headers: [.authorization: "Basic abc"]) { $0 }
            #expect(reply.status == .unauthorized)
        }
    }

    @Test func publicRoutesNeedNoKey() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            #expect(try await client.call(.get, "/healthz", key: nil).status == 200)
            let metrics = try await client.call(.get, "/metrics", key: nil)
            #expect(metrics.status == 200)
            let missing = try await client.call(.get, "/v1/nothing-here", key: nil)
            #expect(missing.status == 404)
            #expect(missing.errorCode == "not_found")
        }
    }
}
