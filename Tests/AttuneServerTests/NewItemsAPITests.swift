import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Items written through the catalogue API reach the served factor model within the catalogue
/// service's drain interval: a new one through its content, a deleted one out of it.
struct NewItemsAPITests {
    /// The recommendations for a1 once `done` holds of their item ids (the catalogue service
    /// applies writes in the background), or the last answer.
    static func waitForItems(
        _ path: String, client: some TestClientProtocol, until done: ([String]) -> Bool
    ) async throws -> Reply {
        for _ in 0..<100 {
            let reply = try await client.call(.get, path, key: TestServer.read)
            if done(RecommendationsAPITests.itemIDs(reply)) { return reply }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await client.call(.get, path, key: TestServer.read)
    }

    @Test func aNewItemIsRecommendedBeforeAnyInteractionAndLeavesWhenDeleted() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        let words = ["a": "alpine hiking boots trail", "b": "baking flour oven bread"]
        try await server.store.upsert(
            ["a", "b"].flatMap { c in
                (0..<10).map { Fixtures.item("\(c.uppercased())\($0)", title: "\(words[c]!) \($0)", categories: [c]) }
            }, in: .default)
        try await RecommendationsAPITests.train(server, .als)
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            let put = try await client.call(
                .put, "/v1/items/A-new", body: #"{"title": "alpine hiking boots trail", "categories": ["a"]}"#)
            #expect(put.status == 201)
            let reply = try await Self.waitForItems("/v1/users/a1/recommendations?count=5", client: client) { $0.contains("A-new") }
            #expect(reply.json?["strategy"] == .string("als"))
            guard case .array(let entries)? = reply.json?["items"],
                let entry = entries.first(where: { $0["itemId"]?.stringValue == "A-new" })
            else {
                Issue.record("A-new not recommended: \(RecommendationsAPITests.itemIDs(reply))")
                return
            }
            #expect(entry["reason"]?.stringValue?.hasPrefix("new item, similar to alpine hiking boots trail") == true)
            let similar = try await client.call(.get, "/v1/items/A-new/similar?count=3", key: TestServer.read)
            #expect(similar.status == 200)
            #expect(RecommendationsAPITests.itemIDs(similar).allSatisfy { $0.hasPrefix("A") })

            #expect(try await client.call(.delete, "/v1/items/A-new").status == 200)
            let after = try await Self.waitForItems("/v1/users/a1/recommendations?count=20&available_only=false", client: client) {
                !$0.contains("A-new")
            }
            #expect(!RecommendationsAPITests.itemIDs(after).contains("A-new"))
        }
    }
}
