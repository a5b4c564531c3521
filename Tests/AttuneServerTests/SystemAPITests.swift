import AttuneCore
import AttuneServer
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct SystemAPITests {
    @Test func statsCountEventsUsersAndItems() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"batch": [{"type":"view","userId":"u1"},{"type":"view","userId":"u2"},{"type":"view","anonymousId":"a"}]}"#)
            _ = try await client.call(.put, "/v1/items/i1", body: #"{}"#)
            let stats = try await client.call(.get, "/v1/stats")
            #expect(stats.number("events") == 3)
            #expect(stats.number("users") == 2)
            #expect(stats.number("anonymousVisitors") == 1)
            #expect(stats.number("items") == 1)
        }
    }

    @Test func errorsAlwaysUseTheErrorEnvelope() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            for reply in [
                try await client.call(.get, "/v1/stats", key: nil),
                try await client.call(.get, "/v1/items/missing"),
                try await client.call(.post, "/v1/events", key: TestServer.write, body: "{"),
            ] {
                #expect(reply.json?["error"]?["code"] != nil)
                #expect(reply.json?["error"]?["message"] != nil)
                #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }
}
