import AttuneCore
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct ProfilesAPITests {
    @Test func aProfileShowsDeclaredAndComputedTraits() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.put, "/v1/items/sku1", body: #"{"title": "Boots", "categories": ["shoes"]}"#)
            let events = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"batch": [{"type": "view", "userId": "u7", "itemId": "sku1", "timestamp": 1700000000000}, {"type": "purchase", "userId": "u7", "itemId": "sku1", "value": 49.5, "timestamp": 1700000060000}]}"#)
            #expect(events.status == 200)
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "u7", "traits": {"plan": "gold"}}"#)
            let reply = try await client.call(.get, "/v1/users/u7")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json?["declared"]?["plan"] == .string("gold"))
            // One version for the event batch, one for the declared attributes.
            #expect(reply.json?["version"] == .number(2))
            let computed = reply.json?["computed"]
            #expect(computed?["events"] == .number(2))
            #expect(computed?["eventsByType"]?["purchase"] == .number(1))
            #expect(computed?["rfm"]?["monetary"] == .number(49.5))
            #expect(computed?["firstSeen"] == .string("2023-11-14T22:13:20.000Z"))
            guard case .array(let categories)? = computed?["categories"] else {
                Issue.record("no categories in \(reply.text)")
                return
            }
            #expect(categories.first?["name"] == .string("shoes"))
        }
    }

    @Test func unknownUsersAndNarrowKeysAreRefused() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let unknown = try await client.call(.get, "/v1/users/nobody")
            let read = try await client.call(.get, "/v1/users/u1", key: TestServer.read)
            let anonymous = try await client.call(.get, "/v1/users/u1", key: nil)
            #expect(unknown.status == 404)
            #expect(read.status == 403)
            #expect(anonymous.status == 401)
        }
    }
}
