import AttuneCore
import AttuneEngine
import AttuneML
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Customer texts through the API: analysis on ingest, relation queries, pseudonymised personal
/// data, suppression of what a user spoke badly of, and hostile input.
struct TextsAPITests {
    static let secret = Array("a fixed test secret of 32 bytes!".utf8)
    static let lexicon = SentimentLexicon(valences: [
        "love": 3.2, "great": 3.1, "hate": -2.7, "horrible": -2.5, "awful": -2.0, "terrible": -2.1, "fine": 0.8,
    ])

    static func server(sentiment: Bool = true) throws -> TestServer {
        var server = try TestServer()
        server.textAnalyzer = TextAnalyzer(
            sentiment: sentiment ? SentimentAnalyzer(lexicon: lexicon) : nil,
            pseudonymizer: TextPseudonymizer(secret: secret))
        return server
    }

    static func brandItem(_ id: String, title: String, brand: String, tags: [String] = []) -> Item {
        Item(
            id: ItemID(unchecked: id), title: title, categories: ["shoes"], tags: tags,
            properties: #"{"brand":"\#(brand)","aliases":["\#(title) Classic"]}"#, createdAt: Fixtures.now,
            updatedAt: Fixtures.now)
    }

    static func catalogue(_ server: TestServer) async throws {
        try await server.store.ensureWorkspace(.default, at: Fixtures.now)
        try await server.store.upsert([
            brandItem("p1", title: "Air Max 90", brand: "Nike", tags: ["running"]),
            brandItem("p2", title: "Air Max", brand: "Nike"),
            brandItem("p3", title: "Gazelle", brand: "Adidas", tags: ["retro"]),
            brandItem("p4", title: "Chuck Taylor", brand: "Converse"),
        ], in: .default)
    }

    static func post(_ client: some TestClientProtocol, user: String = "u1", _ body: String) async throws -> Reply {
        try await client.call(.post, "/v1/users/\(user)/texts", key: TestServer.write, body: body, contentType: "application/json")
    }

    static func json(_ text: String, source: String = "review", extra: String = "") -> String {
        let encoded = JSONValue.string(text).serialized()
        return #"{"source":"\#(source)","text":\#(encoded)\#(extra)}"#
    }

    @Test func aTextIsAnalysedOnIngest() async throws {
        let server = try Self.server()
        try await Self.catalogue(server)
        try await server.makeApplication().test(.router) { client in
            let reply = try await Self.post(
                client, Self.json("I LOVE my new air-max 90!! Nike rocks. Paid €129.99, order #55123 on 2024-03-05.",
                                  extra: #","time":"2024-03-06T10:00:00Z""#))
            #expect(reply.status == 201, "\(reply.text)")
            let json = try #require(reply.json)
            #expect(json["source"]?.stringValue == "review")
            #expect(json["time"]?.stringValue == "2024-03-06T10:00:00.000Z")
            #expect(json["sentiment"]?["label"]?.stringValue == "positive")
            if case .number(let compound)? = json["sentiment"]?["compound"] { #expect(compound > 0.5 && compound <= 1) }
            let mentions = json["mentions"]?.arrayValue?.compactMap { $0["target"]?.stringValue } ?? []
            // Leftmost-longest: "air-max 90" is p1, not p2.
            #expect(Set(mentions) == ["p1", "nike"])
            let kinds = json["entities"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
            #expect(kinds == ["money", "order_number", "date"])
        }
    }

    @Test func withoutALexiconSentimentIsNullAndEntitiesAreStillFound() async throws {
        let server = try Self.server(sentiment: false)
        try await Self.catalogue(server)
        try await server.makeApplication().test(.router) { client in
            let reply = try await Self.post(client, Self.json("The Gazelle was horrible, see https://example.com/x"))
            #expect(reply.status == 201)
            #expect(reply.json?["sentiment"] == .null)
            #expect(reply.json?["mentions"]?.arrayValue?.first?["target"]?.stringValue == "p3")
            #expect(reply.json?["mentions"]?.arrayValue?.first?["sentiment"] == .null)
            #expect(reply.json?["entities"]?.arrayValue?.first?["kind"]?.stringValue == "url")
        }
    }

    @Test func emailsAndPhonesArePseudonymisedBeforeStorage() async throws {
        let server = try Self.server()
        try await server.makeApplication().test(.router) { client in
            let reply = try await Self.post(
                client, Self.json("Write to Jane.Doe@Example.com or call +44 20 7946 0958, thanks", source: "email"))
            #expect(reply.status == 201)
            let body = try #require(reply.json?["text"]?.stringValue)
            let pseudonymizer = TextPseudonymizer(secret: Self.secret)
            let email = pseudonymizer.token(kind: "email", value: "jane.doe@example.com")
            let phone = pseudonymizer.token(kind: "phone", value: "+442079460958")
            #expect(body == "Write to \(email) or call \(phone), thanks")
            let values = reply.json?["entities"]?.arrayValue?.compactMap { $0["value"]?.stringValue }
            #expect(values == [email, phone])
            // Nothing stored holds them.
            let stored = try await server.store.texts(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 10)
            let all = stored.map { $0.text.body + $0.text.entities }.joined()
            #expect(!all.contains("Jane") && !all.lowercased().contains("jane.doe") && !all.contains("7946"))
        }
    }

    @Test func relationQueriesAnswerWhoTalkedAboutWhat() async throws {
        let server = try Self.server()
        try await Self.catalogue(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await Self.post(client, user: "u1", Self.json("Air Max 90 and Gazelle are great"))
            _ = try await Self.post(client, user: "u1", Self.json("Gazelle again, fine"))
            _ = try await Self.post(client, user: "u2", Self.json("the gazelle and the chuck taylor: horrible"))

            let mine = try await client.call(.get, "/v1/users/u1/mentions", key: TestServer.admin)
            #expect(mine.status == 200)
            let targets = mine.json?["mentions"]?.arrayValue?.compactMap { $0["target"]?.stringValue }
            #expect(targets == ["p1", "p3"])
            #expect(mine.json?["mentions"]?.arrayValue?.last?["count"] == .number(2))

            let first = try await client.call(.get, "/v1/items/p3/mentions?limit=1", key: TestServer.admin)
            #expect(first.json?["users"]?.arrayValue?.compactMap { $0["userId"]?.stringValue } == ["u1"])
            let cursor = try #require(first.json?["nextCursor"]?.stringValue)
            let second = try await client.call(.get, "/v1/items/p3/mentions?limit=1&cursor=\(cursor)", key: TestServer.admin)
            #expect(second.json?["users"]?.arrayValue?.compactMap { $0["userId"]?.stringValue } == ["u2"])

            let together = try await client.call(.get, "/v1/items/p3/co-mentioned", key: TestServer.read)
            #expect(together.status == 200)
            let items = together.json?["items"]?.arrayValue?.compactMap { $0["itemId"]?.stringValue }
            #expect(items == ["p1", "p4"])

            let tooMany = try await client.call(.get, "/v1/items/p3/co-mentioned?limit=1001", key: TestServer.read)
            #expect(tooMany.status == 422)
            #expect(tooMany.errorField == "limit")
            let badCursor = try await client.call(.get, "/v1/users/u1/mentions?cursor=bm9jb2xvbg", key: TestServer.admin)
            #expect(badCursor.status == 422)
            #expect(badCursor.errorField == "cursor")
        }
    }

    @Test func aStronglyNegativeMentionSuppressesTheItemInRecommendations() async throws {
        let server = try Self.server()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            let before = try await RecommendationsAPITests.waitForVersion(1, client: client)
            let top = try #require(RecommendationsAPITests.itemIDs(before).first)
            // Mildly negative: not enough to suppress.
            var reply = try await Self.post(client, user: "a1", Self.json("Item \(top) is fine, though awful"))
            #expect(reply.status == 201)
            let still = try await client.call(.get, "/v1/users/a1/recommendations", key: TestServer.read)
            #expect(RecommendationsAPITests.itemIDs(still).contains(top))

            reply = try await Self.post(client, user: "a1", Self.json("item \(top.lowercased()) is HORRIBLE and awful"))
            #expect(reply.status == 201)
            let after = try await client.call(.get, "/v1/users/a1/recommendations", key: TestServer.read)
            #expect(after.status == 200)
            #expect(!RecommendationsAPITests.itemIDs(after).contains(top))
            #expect(!RecommendationsAPITests.itemIDs(after).isEmpty)
            // Only for the user who said it.
            let other = try await client.call(.get, "/v1/users/a2/recommendations", key: TestServer.read)
            let otherBefore = RecommendationsAPITests.itemIDs(other)
            #expect(!otherBefore.isEmpty)
        }
    }

    @Test func aStronglyNegativeBrandMentionSuppressesTheBrandsItems() async throws {
        let server = try Self.server()
        try await Self.catalogue(server)
        try await server.makeApplication().test(.router) { client in
            let before = try await client.call(.get, "/v1/users/u1/recommendations?count=10", key: TestServer.read)
            #expect(Set(RecommendationsAPITests.itemIDs(before)) == ["p1", "p2", "p3", "p4"])
            _ = try await Self.post(client, Self.json("I hate NIKE, terrible and awful"))
            let after = try await client.call(.get, "/v1/users/u1/recommendations?count=10", key: TestServer.read)
            #expect(Set(RecommendationsAPITests.itemIDs(after)) == ["p3", "p4"])
        }
    }

    @Test func praisedItemsFeedThePreferenceTags() async throws {
        let server = try Self.server()
        try await Self.catalogue(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"u1","itemId":"p4"}"#)
            _ = try await Self.post(client, Self.json("I love the Gazelle from Adidas, great"))
            _ = try await Self.post(client, Self.json("The Air Max 90 was horrible"))
            let profile = try await client.call(.get, "/v1/users/u1", key: TestServer.admin)
            let tags = profile.json?["computed"]?["tags"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(tags.contains("retro"))
            #expect(tags.contains("brand:adidas"))
            #expect(!tags.contains("running"))
        }
    }

    @Test(arguments: [
        (#"{"source":"chat","text":""}"#, 422, "text"),
        (#"{"source":"chat","text":"   \n\t "}"#, 422, "text"),
        (#"{"source":"chat","text":"ok\u0000\u0001binary"}"#, 422, "text"),
        (#"{"source":"chat"}"#, 422, "text"),
        (#"{"source":"chat","text":42}"#, 422, "text"),
        (#"{"source":"fax","text":"hello"}"#, 422, "source"),
        (#"{"text":"hello"}"#, 422, "source"),
        (#"{"source":"chat","text":"hello","mood":"x"}"#, 422, "mood"),
        (#"{"source":"chat","text":"hello","time":"2999-01-01T00:00:00Z"}"#, 422, "time"),
        (#"{"source":"chat","text":"hello","item":""}"#, 422, "item"),
        (#"["source","chat"]"#, 422, "body"),
    ])
    func hostileBodiesAreRefusedWithTheFieldNamed(body: String, status: Int, field: String) async throws {
        let server = try Self.server()
        try await server.makeApplication().test(.router) { client in
            let reply = try await Self.post(client, body)
            #expect(reply.status == status, "\(body): \(reply.text)")
            #expect(reply.errorField == field, "\(body): \(reply.text)")
            #expect(try await server.store.texts(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 10).isEmpty)
        }
    }

    @Test func oversizedInvalidAndBinaryBodiesAreRefused() async throws {
        var server = try Self.server()
        server.texts.maxTextBytes = 1_000
        let store = server.store
        try await server.makeApplication().test(.router) { client in
            // Just over the limit in the text itself: 413 naming the text.
            let over = try await Self.post(client, Self.json(String(repeating: "é", count: 501)))
            #expect(over.status == 413)
            #expect(over.errorCode == "payload_too_large")
            #expect(over.errorField == "text")
            // At the limit: accepted.
            let at = try await Self.post(client, Self.json(String(repeating: "é", count: 500)))
            #expect(at.status == 201)
            // A body beyond any text of that size.
            let huge = try await Self.post(client, Self.json(String(repeating: "x", count: 20_000)))
            #expect(huge.status == 413)
            // Invalid UTF-8 inside the JSON string.
            var bytes = Array(#"{"source":"chat","text":"bad "#.utf8)
            bytes += [0xC3, 0x28, 0xFF]
            bytes += Array(#""}"#.utf8)
            let invalid = try await client.call(
                .post, "/v1/users/u1/texts", key: TestServer.write, bytes: bytes, contentType: "application/json")
            #expect(invalid.status == 400)
            #expect(invalid.errorCode == "invalid_utf8")
            // Binary garbage.
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let binary = try await client.call(
                .post, "/v1/users/u1/texts", key: TestServer.write, bytes: garbage, contentType: "application/json")
            #expect((400..<500).contains(binary.status))
            #expect(binary.errorCode != nil)
            let stored = try await store.texts(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 10)
            #expect(stored.count == 1)
        }
    }

    @Test func exportHoldsTheTextsAndErasureRemovesThem() async throws {
        let server = try Self.server()
        try await Self.catalogue(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await Self.post(client, Self.json("zq-unique-phrase: the Gazelle is great"))
            let export = try await client.call(.get, "/v1/users/u1/export", key: TestServer.admin)
            #expect(export.status == 200)
            #expect(export.json?["texts"]?.arrayValue?.first?["text"]?.stringValue == "zq-unique-phrase: the Gazelle is great")
            let erased = try await client.call(.delete, "/v1/users/u1", key: TestServer.admin)
            #expect(erased.status == 200)
            #expect(erased.json?["deleted"]?["texts"] == .number(1))
            let mentions = try await client.call(.get, "/v1/items/p3/mentions", key: TestServer.admin)
            #expect(mentions.json?["users"]?.arrayValue?.isEmpty == true)
            #expect(try await server.store.texts(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 10).isEmpty)
        }
    }
}

extension JSONValue {
    fileprivate var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
