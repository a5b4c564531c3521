import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct ItemsAPITests {
    @Test func putGetUpdateAndDelete() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let created = try await client.call(
                .put, "/v1/items/sku-1",
                body: #"{"title": "Lamp", "categories": ["home", "home", " light "], "tags": ["eco"], "properties": {"price": 20}}"#)
            #expect(created.status == 201)
            #expect(created.json?["categories"] == .array([.string("home"), .string("light")]))
            server.clock.advance(milliseconds: 1_000)
            let updated = try await client.call(.put, "/v1/items/sku-1", body: #"{"title": "Lamp 2"}"#)
            #expect(updated.status == 200)
            #expect(updated.json?["createdAt"] == created.json?["createdAt"])
            #expect(updated.json?["updatedAt"] != created.json?["updatedAt"])
            let fetched = try await client.call(.get, "/v1/items/sku-1", key: TestServer.read)
            #expect(fetched.json?["title"] == .string("Lamp 2"))
            let deleted = try await client.call(.delete, "/v1/items/sku-1")
            #expect(deleted.status == 200)
            let after = try await client.call(.get, "/v1/items/sku-1")
            #expect(after.status == 200)
            #expect(after.json?["available"] == .bool(false))
            #expect(try await client.call(.get, "/v1/items/nope").status == 404)
            #expect(try await client.call(.delete, "/v1/items/nope").status == 404)
        }
    }

    @Test func batchUpsertReportsBadItemsByIndexAndListPaginates() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(
                .post, "/v1/items",
                body: #"{"items": [{"id": "b"}, {"id": "a", "title": 5}, {"title": "no id"}, {"id": "c"}, {"id": "b"}]}"#)
            #expect(reply.status == 200)
            #expect(reply.number("upserted") == 2)
            guard case .array(let rejected)? = reply.json?["rejected"] else { Issue.record("no rejected"); return }
            #expect(rejected.map { $0["error"]?["field"] } == [.string("items[1].title"), .string("items[2].id"), .string("items[4].id")])
            let page = try await client.call(.get, "/v1/items?limit=1")
            #expect(page.json?["items"]?.serialized().contains("\"b\"") == true)
            let cursor = try #require(page.json?["nextCursor"]?.stringValue)
            let next = try await client.call(.get, "/v1/items?limit=5&cursor=\(cursor)")
            guard case .array(let items)? = next.json?["items"] else { Issue.record("no items"); return }
            #expect(items.map { $0["id"] } == [.string("c")])
        }
    }

    @Test func aBatchWithNoValidItemIsUnprocessableAndCarriesTheErrorObject() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.post, "/v1/items", body: #"{"items": [{"title": "no id"}, {"id": ""}]}"#)
            #expect(reply.status == 422)
            #expect(reply.errorCode == "invalid_value")
            #expect(reply.json?["error"]?["message"] != nil)
            #expect(reply.number("upserted") == 0)
            guard case .array(let rejected)? = reply.json?["rejected"] else { Issue.record("no rejected"); return }
            #expect(rejected.map { $0["error"]?["field"] } == [.string("items[0].id"), .string("items[1].id")])
        }
        #expect(try await server.store.stats(of: .default).items == 0)
    }

    @Test(arguments: [
        (#"{"title": ["x"]}"#, 422, "title"),
        (#"{"id": "other"}"#, 422, "id"),
        (#"{"categories": "home"}"#, 422, "categories"),
        (#"{"categories": [1]}"#, 422, "categories[0]"),
        (#"{"available": "yes"}"#, 422, "available"),
        (#"{"price": 3}"#, 422, "price"),
        (#"{"properties": []}"#, 422, "properties"),
        (#"not json"#, 400, nil),
    ] as [(String, Int, String?)])
    func rejectsInvalidItemsAndKeepsTheStoredOne(_ body: String, _ status: Int, _ field: String?) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.put, "/v1/items/i1", body: #"{"title": "Original"}"#)
            let reply = try await client.call(.put, "/v1/items/i1", body: body)
            #expect(reply.status == status)
            #expect(reply.errorField == field)
        }
        #expect(try await server.store.item(ItemID(unchecked: "i1"), in: .default)?.title == "Original")
    }

    @Test func percentEncodedAndHostileIDsAreHandled() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let created = try await client.call(.put, "/v1/items/a%20b", body: #"{"title": "Spaced"}"#)
            #expect(created.status == 201)
            #expect(created.json?["id"] == .string("a b"))
            let control = try await client.call(.put, "/v1/items/a%00b", body: #"{"title": "x"}"#)
            #expect(control.status == 422)
            let long = try await client.call(.get, "/v1/items/" + String(repeating: "x", count: 300))
            #expect(long.status == 422)
            let injection = try await client.call(.put, "/v1/items/x'%3B%20DROP%20TABLE%20items%3B--", body: #"{"title": "Bobby"}"#)
            #expect(injection.status == 201)
        }
        #expect(try await server.store.stats(of: .default).items == 2)
    }
}
