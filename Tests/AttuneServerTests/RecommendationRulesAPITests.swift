import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Business rules, diversity, strategies, audiences and real-time fold-in on top of the
/// two-community fixture of ``RecommendationsAPITests``.
struct RecommendationRulesAPITests {
    /// A items cost 10 x index, B items 100; B7 has a high margin.
    static func priceCatalogue(_ server: TestServer) async throws {
        var items: [Item] = []
        for c in ["A", "B"] {
            for i in 0..<10 {
                let price = c == "A" ? i * 10 : 100
                let margin = c == "B" && i == 7 ? 0.5 : 0.1
                var item = Fixtures.item("\(c)\(i)", categories: [c.lowercased()])
                item.properties = #"{"price":\#(price),"margin":\#(margin)}"#
                items.append(item)
            }
        }
        try await server.store.upsert(items, in: .default)
    }

    static func encoded(_ rule: String) -> String {
        rule.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    @Test func filtersAndBoostsUseItemProperties() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await Self.priceCatalogue(server)
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            let cheap = try await client.call(
                .get, "/v1/users/a1/recommendations?count=20&filter=\(Self.encoded("item.price < 40"))", key: TestServer.read)
            #expect(cheap.status == 200, "\(cheap.text)")
            // a1 has seen A0, A2, A3: the only unseen item under 40 is A1.
            #expect(RecommendationsAPITests.itemIDs(cheap) == ["A1"])

            let notA = try await client.call(
                .get, "/v1/users/a1/recommendations?count=20&filter=\(Self.encoded(#"item.category != "a""#))",
                key: TestServer.read)
            #expect(RecommendationsAPITests.itemIDs(notA).allSatisfy { $0.hasPrefix("B") })

            let boosted = try await client.call(
                .get, "/v1/users/a1/recommendations?count=3&strategy=popular&boost=\(Self.encoded("50:item.margin > 0.3"))",
                key: TestServer.read)
            #expect(boosted.json?["strategy"] == .string("popular"))
            #expect(RecommendationsAPITests.itemIDs(boosted).first == "B7", "\(boosted.text)")

            let batch = try await client.call(
                .post, "/v1/recommendations", key: TestServer.read,
                body: #"{"users": ["a1"], "filter": "item.price < 40", "boosts": [{"rule": "item.margin > 0.3", "factor": 2}]}"#)
            guard case .array(let results)? = batch.json?["results"], case .array(let items)? = results.first?["items"] else {
                Issue.record("bad batch reply \(batch.text)")
                return
            }
            #expect(items.compactMap { $0["itemId"]?.stringValue } == ["A1"])
        }
    }

    @Test(arguments: [
        ("filter=\(encoded("item.price <"))", "filter"), ("filter=\(encoded("itm.price < 3"))", "filter"),
        ("filter=\(encoded("item.price + 1"))", "filter"), ("filter=\(encoded("lowr(item.title) == \"x\""))", "filter"),
        ("filter=\(encoded(String(repeating: "(", count: 40) + "true" + String(repeating: ")", count: 40)))", "filter"),
        ("boost=\(encoded("item.margin > 1"))", "boost"), ("boost=\(encoded("0:item.margin > 1"))", "boost"),
        ("boost=\(encoded("2:item.margin >"))", "boost"), ("diversity=2", "diversity"), ("diversity=x", "diversity"),
    ])
    func badRulesAreRefusedWithTheirPosition(_ query: String, _ field: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.get, "/v1/users/u1/recommendations?\(query)", key: TestServer.read)
            #expect(reply.status == 422, "\(query): \(reply.text)")
            #expect(reply.errorField == field, "\(query): \(reply.text)")
        }
    }

    @Test func tooManyBoostsAreRefused() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let boosts = (0..<11).map { _ in "boost=\(Self.encoded("2:item.margin > 1"))" }.joined(separator: "&")
            let reply = try await client.call(.get, "/v1/users/u1/recommendations?\(boosts)", key: TestServer.read)
            #expect(reply.status == 422)
            #expect(reply.errorField == "boost")
        }
    }

    @Test func diversitySpreadsTheListAcrossCategories() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            let plain = try await client.call(.get, "/v1/users/a1/recommendations?count=2", key: TestServer.read)
            #expect(Set(RecommendationsAPITests.itemIDs(plain)) == ["A1", "A4"])
            let diverse = try await client.call(.get, "/v1/users/a1/recommendations?count=2&diversity=0.9", key: TestServer.read)
            let items = RecommendationsAPITests.itemIDs(diverse)
            #expect(items.count == 2)
            #expect(items.first == RecommendationsAPITests.itemIDs(plain).first)
            #expect(items.last?.hasPrefix("B") == true, "\(items)")
        }
    }

    @Test func theAudienceOfAnItemIsTheUsersWhoLackItInItsCommunity() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        for family in [ModelFamily.knn, .als] {
            try await RecommendationsAPITests.train(server, family)
        }
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(2, client: client)
            let reply = try await client.call(.get, "/v1/items/A1/audience?count=4", key: TestServer.read)
            #expect(reply.status == 200, "\(reply.text)")
            guard case .array(let users)? = reply.json?["users"] else { return }
            // a1, a8, a11 and a18 are the users of community a who skipped A1.
            #expect(Set(users.compactMap { $0["userId"]?.stringValue }) == ["a1", "a8", "a11", "a18"], "\(reply.text)")
            #expect(try await client.call(.get, "/v1/items/ZZZ/audience", key: TestServer.read).status == 404)
            #expect(try await client.call(.get, "/v1/items/A1/audience?count=0", key: TestServer.read).status == 422)
            #expect(try await client.call(.get, "/v1/items/A1/audience?count=10001", key: TestServer.read).status == 422)
            #expect(try await client.call(.get, "/v1/items/A1/audience", key: TestServer.write).status == 403)
        }
    }

    @Test func aNewEventMovesAFactorModelUsersRecommendationsAtOnce() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server, .als)
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            let before = try await client.call(.get, "/v1/users/a1/recommendations?count=5", key: TestServer.read)
            #expect(RecommendationsAPITests.itemIDs(before).prefix(2).allSatisfy { $0.hasPrefix("A") })
            let events = (0..<8).map { #"{"type": "view", "userId": "a1", "itemId": "B\#($0)"}"# }.joined(separator: ",")
            let posted = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"batch": [\#(events)]}"#)
            #expect(posted.status == 200 || posted.status == 202, "\(posted.text)")
            let after = try await client.call(.get, "/v1/users/a1/recommendations?count=5", key: TestServer.read)
            let items = RecommendationsAPITests.itemIDs(after)
            #expect(items != RecommendationsAPITests.itemIDs(before))
            #expect(!items.contains { ["B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7"].contains($0) })
            // Folded in from a history that is now mostly B, the list leads with B's last two items.
            #expect(items.first?.hasPrefix("B") == true, "\(items)")
        }
    }
}
