import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import HTTPTypes
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
        /// The answer to a permitted key.
        var status = 200
        /// The route as the router names it, when the path holds a parameter.
        var pattern: String?
        var description: String { "\(method) \(path)" }
    }

    static let routes: [Route] = [
        Route(method: .post, path: "/v1/events", body: #"{"type":"view","userId":"u"}"#, scope: .write),
        Route(method: .post, path: "/v1/identify", body: #"{"anonymousId":"a","userId":"u"}"#, scope: .write),
        Route(method: .get, path: "/v1/items", scope: .read),
        Route(method: .get, path: "/v1/items/i1", scope: .read, pattern: "/v1/items/{id}"),
        Route(method: .put, path: "/v1/items/i1", body: #"{"title":"T"}"#, scope: .admin, pattern: "/v1/items/{id}"),
        Route(method: .post, path: "/v1/items", body: #"{"items":[{"id":"i2"}]}"#, scope: .admin),
        Route(method: .delete, path: "/v1/items/i1", scope: .admin, pattern: "/v1/items/{id}"),
        Route(method: .get, path: "/v1/users/u/events", scope: .admin, pattern: "/v1/users/{id}/events"),
        Route(method: .get, path: "/v1/users/u/history", scope: .admin, pattern: "/v1/users/{id}/history"),
        Route(method: .get, path: "/v1/users/u", scope: .admin, pattern: "/v1/users/{id}"),
        Route(method: .get, path: "/v1/stats", scope: .admin),
        Route(method: .get, path: "/v1/users/u/recommendations", scope: .read, pattern: "/v1/users/{id}/recommendations"),
        // No model is trained here: the item is not in a served model.
        Route(method: .get, path: "/v1/items/i1/similar", scope: .read, status: 404, pattern: "/v1/items/{id}/similar"),
        Route(method: .get, path: "/v1/items/i1/audience", scope: .read, status: 404, pattern: "/v1/items/{id}/audience"),
        Route(method: .post, path: "/v1/recommendations", body: #"{"users":["u"]}"#, scope: .read),
        Route(method: .post, path: "/v1/experiments", body: #"{"key":"e1","variants":[{"key":"a"},{"key":"b"}]}"#, scope: .admin, status: 201),
        Route(method: .get, path: "/v1/experiments", scope: .admin),
        // No experiment e0 exists: a permitted key reaches the lookup and gets 404.
        Route(method: .get, path: "/v1/experiments/e0", scope: .admin, status: 404, pattern: "/v1/experiments/{key}"),
        Route(method: .patch, path: "/v1/experiments/e0", body: #"{"status":"running"}"#, scope: .admin, status: 404, pattern: "/v1/experiments/{key}"),
        Route(method: .get, path: "/v1/experiments/e0/assignment?user=u", scope: .read, status: 404, pattern: "/v1/experiments/{key}/assignment"),
        Route(method: .get, path: "/v1/experiments/e0/results", scope: .admin, status: 404, pattern: "/v1/experiments/{key}/results"),
        Route(method: .post, path: "/v1/segments", body: #"{"name":"s1","rule":"traits.events > 0"}"#, scope: .admin, status: 201),
        Route(method: .get, path: "/v1/segments", scope: .read),
        // No segment s0 exists: a permitted key reaches the lookup and gets 404.
        Route(method: .get, path: "/v1/segments/s0", scope: .read, status: 404, pattern: "/v1/segments/{id}"),
        Route(method: .delete, path: "/v1/segments/s0", scope: .admin, status: 404, pattern: "/v1/segments/{id}"),
        Route(method: .get, path: "/v1/segments/s0/members", scope: .read, status: 404, pattern: "/v1/segments/{id}/members"),
        Route(method: .get, path: "/v1/users/u/segments", scope: .read, pattern: "/v1/users/{id}/segments"),
        Route(method: .patch, path: "/v1/users/u", body: #"{"age":30}"#, scope: .admin, pattern: "/v1/users/{id}"),
        Route(method: .get, path: "/v1/users", scope: .admin),
        Route(method: .post, path: "/v1/webhooks", body: #"{"url":"https://crm.example/h"}"#, scope: .admin, status: 201),
        Route(method: .get, path: "/v1/webhooks", scope: .admin),
        Route(method: .delete, path: "/v1/webhooks/wh_0", scope: .admin, status: 404, pattern: "/v1/webhooks/{id}"),
        Route(method: .get, path: "/v1/webhooks/wh_0/dead-letters", scope: .admin, status: 404, pattern: "/v1/webhooks/{id}/dead-letters"),
        Route(
            method: .post, path: "/v1/users/u/texts", body: #"{"source":"chat","text":"the i1 is fine"}"#, scope: .write,
            status: 201, pattern: "/v1/users/{id}/texts"),
        Route(method: .get, path: "/v1/users/u/mentions", scope: .admin, pattern: "/v1/users/{id}/mentions"),
        Route(method: .get, path: "/v1/items/i1/mentions", scope: .admin, pattern: "/v1/items/{id}/mentions"),
        Route(method: .get, path: "/v1/items/i1/co-mentioned", scope: .read, pattern: "/v1/items/{id}/co-mentioned"),
        Route(method: .get, path: "/v1/users/u/export", scope: .admin, pattern: "/v1/users/{id}/export"),
        // Write keys set consent (the tracker does, from the page); only admin keys read its history.
        Route(method: .put, path: "/v1/users/u/consent", body: #"{"marketing":false}"#, scope: .write, pattern: "/v1/users/{id}/consent"),
        Route(method: .get, path: "/v1/users/u/consent", scope: .admin, pattern: "/v1/users/{id}/consent"),
        // Merging and unmerging users that the store does not know: the key is checked first.
        Route(method: .post, path: "/v1/users/merge", body: #"{"users":["nobody-1","nobody-2"]}"#, scope: .admin, status: 404),
        Route(method: .post, path: "/v1/users/nobody/unmerge", scope: .admin, status: 404, pattern: "/v1/users/{id}/unmerge"),
        // Admin is tried last, so the user is still there to erase.
        Route(method: .delete, path: "/v1/users/u", scope: .admin, pattern: "/v1/users/{id}"),
    ]

    /// Routes that answer without a key.
    static let publicRoutes: Set<String> = ["GET /healthz", "GET /metrics", "GET /openapi.json", "GET /v1/stream", "GET /sdk/attune.js"]

    /// The dashboard signs in with a cookie, not a bearer key: `DashboardSignInTests` covers it.
    static let dashboardRoutes: Set<String> = [
        "GET /dashboard", "GET /dashboard/login", "POST /dashboard/login", "POST /dashboard/logout", "GET /dashboard/users",
        "GET /dashboard/segments", "GET /dashboard/models", "GET /dashboard/experiments",
    ]

    @Test func theTableCoversEveryRoute() async throws {
        let server = try TestServer()
        let router = buildRouter(configuration: ServerConfiguration(), dependencies: try await server.dependencies())
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let tabled = Set(Self.routes.map { "\($0.method.rawValue) \($0.pattern ?? $0.path)" }).union(Self.publicRoutes)
            .union(Self.dashboardRoutes)
        #expect(served.subtracting(tabled).isEmpty, "routes missing from the table: \(served.subtracting(tabled).sorted())")
        #expect(tabled.subtracting(served).isEmpty, "table rows with no route: \(tabled.subtracting(served).sorted())")
    }

    static let keys: [(String, AccessScope)] = [(TestServer.write, .write), (TestServer.read, .read), (TestServer.admin, .admin)]

    @Test(arguments: routes)
    func everyRouteChecksKeyAndScope(_ route: Route) async throws {
        let server = try TestServer()
        try await server.store.ensureWorkspace(.default, at: server.clock.now())
        try await server.store.upsert([Fixtures.item("i1")], in: .default)
        try await server.makeApplication().test(.router) { client in
            // The profile route needs a known user.
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"u","itemId":"i1"}"#)
            let missing = try await client.call(route.method, route.path, key: nil, body: route.body)
            #expect(missing.status == 401, "no key: \(route)")
            #expect(missing.errorCode == "unauthorized")
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.call(route.method, route.path, key: "not-a-real-key-at-all", body: route.body)
            #expect(wrong.status == 401, "unknown key: \(route)")
            let malformed = try await client.execute(
                uri: route.path, method: route.method, headers: [.authorization: "Basic \(TestServer.admin)"]
            ) { $0 }
            #expect(malformed.status == .unauthorized, "malformed header: \(route)")
            for (key, scope) in Self.keys {
                let reply = try await client.call(route.method, route.path, key: key, body: route.body)
                if scope.permits(route.scope) {
                    #expect(reply.status == route.status, "\(scope) on \(route): \(reply.status) \(reply.text)")
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
            for header in ["Basic abc", "Bearer", "Bearer ", "Bearer  \(TestServer.admin)", "Bearer\(TestServer.admin)", "Béarer x"] {
                let reply = try await client.execute(uri: "/v1/stats", method: .get, headers: [.authorization: header]) { $0 }
                #expect(reply.status == .unauthorized, "\(header)")
            }
            // The scheme is case-insensitive.
            for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
                let reply = try await client.execute(
                    uri: "/v1/stats", method: .get, headers: [.authorization: "\(scheme) \(TestServer.admin)"]) { $0 }
                #expect(reply.status == .ok, "\(scheme)")
            }
            // Two keys at once are refused, not joined or picked from.
            var twice = HTTPFields()
            twice.append(HTTPField(name: .authorization, value: "Bearer \(TestServer.admin)"))
            twice.append(HTTPField(name: .authorization, value: "Bearer \(TestServer.admin)"))
            let reply = try await client.execute(uri: "/v1/stats", method: .get, headers: twice) { $0 }
            #expect(reply.status == .unauthorized)
        }
        #expect(APIKeyMiddleware.bearerKey("Bearer abc") == "abc")
        #expect(APIKeyMiddleware.bearerKey("bearer a b") == "a b")
    }

    @Test func publicRoutesNeedNoKey() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            #expect(try await client.call(.get, "/healthz", key: nil).status == 200)
            let metrics = try await client.call(.get, "/metrics", key: nil)
            #expect(metrics.status == 200)
            #expect(try await client.call(.get, "/sdk/attune.js", key: nil).status == 200)
            // Any valid key may fetch it too (a page may send one); an unknown key is refused as everywhere.
            for (key, _) in Self.keys { #expect(try await client.call(.get, "/sdk/attune.js", key: key).status == 200) }
            #expect(try await client.call(.get, "/sdk/attune.js", key: "not-a-real-key-at-all").status == 401)
            let missing = try await client.call(.get, "/v1/nothing-here", key: nil)
            #expect(missing.status == 404)
            #expect(missing.errorCode == "not_found")
        }
    }
}
