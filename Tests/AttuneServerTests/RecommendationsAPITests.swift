import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

struct RecommendationsAPITests {
    /// Users a0..a19 view items A0..A9, users b0..b19 items B0..B9 (each skips two); every item is
    /// in the catalogue with its community as category.
    static func seed(_ server: TestServer) async throws {
        try await server.store.ensureWorkspace(.default, at: Fixtures.now)
        var events: [Event] = []
        var n: UInt64 = 0
        for community in ["a", "b"] {
            for u in 0..<20 {
                for i in 0..<10 where i != u % 10 && i != (u + 3) % 10 {
                    n += 1
                    events.append(Fixtures.event(n, user: "\(community)\(u)", item: "\(community.uppercased())\(i)", at: Int64(n)))
                }
            }
        }
        _ = try await server.store.append([EventBatch(workspace: .default, events: events)])
        try await server.store.upsert(
            ["a", "b"].flatMap { c in (0..<10).map { Fixtures.item("\(c.uppercased())\($0)", categories: [c]) } }, in: .default)
    }

    static func train(_ server: TestServer, _ family: ModelFamily = .knn) async throws {
        var tuner = ModelTuner()
        tuner.quick = true
        tuner.threads = 1
        _ = try await ModelTraining(store: server.store, files: ModelFiles(dataDirectory: server.dataDirectory), clock: server.clock)
            .run(workspace: .default, family: family, tuner: tuner)
    }

    static func itemIDs(_ reply: Reply) -> [String] {
        guard case .array(let items)? = reply.json?["items"] else { return [] }
        return items.compactMap { $0["itemId"]?.stringValue }
    }

    /// Polls until the served model has `version` (the watcher runs every 100 ms in tests).
    static func waitForVersion(_ version: Int, client: some TestClientProtocol) async throws -> Reply {
        for _ in 0..<50 {
            let reply = try await client.call(.get, "/v1/users/a1/recommendations", key: TestServer.read)
            if reply.json?["modelVersion"] == .number(Double(version)) { return reply }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("model v\(version) was not promoted")
        return try await client.call(.get, "/v1/users/a1/recommendations", key: TestServer.read)
    }

    @Test func withoutAModelTheCatalogueAnswers() async throws {
        let server = try TestServer()
        try await Self.seed(server)
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.get, "/v1/users/a1/recommendations?count=3", key: TestServer.read)
            #expect(reply.status == 200)
            #expect(reply.json?["strategy"] == .string("catalogue"))
            #expect(Self.itemIDs(reply).count == 3)
        }
    }

    @Test func knownUsersGetTheirCommunityNeverSeenItemsWithReasons() async throws {
        let server = try TestServer()
        try await Self.seed(server)
        try await Self.train(server)
        try await server.makeApplication().test(.router) { client in
            let reply = try await Self.waitForVersion(1, client: client)
            #expect(reply.json?["strategy"] == .string("knn"))
            let items = Self.itemIDs(reply)
            // a1 skipped A1 and A4: those are the only unseen items of its community.
            #expect(Set(items.prefix(2)) == ["A1", "A4"])
            guard case .array(let entries)? = reply.json?["items"] else { return }
            #expect(entries.first?["reason"]?.stringValue?.hasPrefix("similar to Item A") == true)
        }
    }

    @Test func unknownUsersGetPopularItemsAndNewActivityPersonalisesAtOnce() async throws {
        let server = try TestServer()
        try await Self.seed(server)
        try await Self.train(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await Self.waitForVersion(1, client: client)
            let stranger = try await client.call(.get, "/v1/users/newcomer/recommendations?count=4", key: TestServer.read)
            #expect(stranger.json?["strategy"] == .string("popular"))
            guard case .array(let entries)? = stranger.json?["items"] else { return }
            #expect(entries.first?["reason"] == .string("trending"))
            #expect(Self.itemIDs(stranger).count == 4)
            _ = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"batch": [{"type": "view", "userId": "newcomer", "itemId": "B2"}, {"type": "view", "userId": "newcomer", "itemId": "B5"}]}"#)
            let after = try await client.call(.get, "/v1/users/newcomer/recommendations?count=4", key: TestServer.read)
            #expect(after.json?["strategy"] == .string("knn"))
            let items = Self.itemIDs(after)
            #expect(!items.contains("B2") && !items.contains("B5"))
            // Two events make a thin profile: its community's items come in at once, blended
            // with the popular ones (ConfidenceBlend), so not every slot is a B item.
            #expect(items.contains { $0.hasPrefix("B") })
            #expect(items != Self.itemIDs(stranger))
        }
    }

    @Test func aThinProfileLeansOnPopularItemsMoreThanARichOne() async throws {
        let server = try TestServer()
        try await Self.seed(server)
        // Both view the same three items of community b: "regular" 120 times over 40 sessions
        // (behaviour score ≈ 0.99) before training, so the model knows them; "visitor" once each
        // (≈ 0.33) after it, so they are served by fold-in, the case the blend is for.
        var events: [Event] = []
        for k in 0..<120 {
            events.append(Fixtures.event(
                900_010 + UInt64(k), user: "regular", item: "B\([2, 5, 7][k % 3])", at: -Int64(k / 3) * 40 * 60_000))
        }
        _ = try await server.store.append([EventBatch(workspace: .default, events: events)])
        // ALS scores every item, so both personal lists rank the popular A items somewhere; the
        // blend decides how far up they come.
        try await Self.train(server, .als)
        let visits = ["B2", "B5", "B7"].enumerated().map { k, item in
            Fixtures.event(900_000 + UInt64(k), user: "visitor", item: item)
        }
        _ = try await server.store.append([EventBatch(workspace: .default, events: visits)])
        try await server.makeApplication().test(.router) { client in
            _ = try await Self.waitForVersion(1, client: client)
            let popular = Self.itemIDs(
                try await client.call(.get, "/v1/users/regular/recommendations?count=6&strategy=popular", key: TestServer.read))
            let thin = Self.itemIDs(try await client.call(.get, "/v1/users/visitor/recommendations?count=6", key: TestServer.read))
            let rich = Self.itemIDs(try await client.call(.get, "/v1/users/regular/recommendations?count=6", key: TestServer.read))
            #expect(popular.count == 6 && thin.count == 6 && rich.count == 6)
            let thinShared = Set(thin).intersection(popular).count
            let richShared = Set(rich).intersection(popular).count
            #expect(thinShared > richShared, "thin \(thin), rich \(rich), popular \(popular)")
            #expect(thin.contains(popular[0]))
            let profile = try await client.call(.get, "/v1/users/regular")
            guard case .number(let behaviour)? = profile.json?["completeness"]?["behaviour"] else {
                Issue.record("no completeness in \(profile.text)")
                return
            }
            #expect(behaviour > 0.95)
        }
    }

    @Test func filtersExclusionsAndAvailabilityAreApplied() async throws {
        let server = try TestServer()
        try await Self.seed(server)
        try await Self.train(server)
        _ = try await server.store.markUnavailable(ItemID(unchecked: "A1"), in: .default, at: server.clock.now())
        try await server.makeApplication().test(.router) { client in
            _ = try await Self.waitForVersion(1, client: client)
            let reply = try await client.call(.get, "/v1/users/a1/recommendations?count=20&exclude=A4,B3", key: TestServer.read)
            let items = Self.itemIDs(reply)
            #expect(!items.contains("A1"))
            #expect(!items.contains("A4"))
            #expect(!items.contains("B3"))
            let withUnavailable = try await client.call(
                .get, "/v1/users/a1/recommendations?count=20&available_only=false", key: TestServer.read)
            #expect(Self.itemIDs(withUnavailable).contains("A1"))
            let category = try await client.call(.get, "/v1/users/a1/recommendations?count=20&category=b", key: TestServer.read)
            #expect(!Self.itemIDs(category).isEmpty)
            #expect(Self.itemIDs(category).allSatisfy { $0.hasPrefix("B") })
        }
    }

    @Test func aNewerModelIsPromotedWhileServing() async throws {
        let server = try TestServer()
        try await Self.seed(server)
        try await Self.train(server, .knn)
        try await server.makeApplication().test(.router) { client in
            _ = try await Self.waitForVersion(1, client: client)
            try await Self.train(server, .popular)
            let reply = try await Self.waitForVersion(2, client: client)
            #expect(reply.json?["strategy"] == .string("popular"))
        }
    }

    @Test func similarItemsComeFromTheServedModel() async throws {
        let server = try TestServer()
        try await Self.seed(server)
        try await Self.train(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await Self.waitForVersion(1, client: client)
            let reply = try await client.call(.get, "/v1/items/A2/similar?count=3", key: TestServer.read)
            #expect(reply.status == 200)
            let items = Self.itemIDs(reply)
            #expect(items.count == 3)
            #expect(!items.contains("A2"))
            #expect(items.allSatisfy { $0.hasPrefix("A") })
            let unknown = try await client.call(.get, "/v1/items/ZZZ/similar", key: TestServer.read)
            #expect(unknown.status == 404)
        }
    }

    @Test(arguments: [
        ("count=0", "count"), ("count=101", "count"), ("count=abc", "count"), ("count=-1", "count"),
        ("strategy=magic", "strategy"), ("available_only=maybe", "available_only"), ("exclude=a%00b", "exclude"),
        // The query is parsed once per request; a repeated parameter is still refused, not resolved.
        ("count=5&count=0", "count"), ("count=3&strategy=popular&strategy=default", "strategy"),
        ("experiment=x&experiment=y", "experiment"),
    ])
    func badParametersAreRefused(_ query: String, _ field: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.get, "/v1/users/u1/recommendations?\(query)", key: TestServer.read)
            #expect(reply.status == 422)
            #expect(reply.errorField == field)
        }
    }

    @Test func theWriteKeyCannotReadRecommendations() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let recommendations = try await client.call(.get, "/v1/users/u1/recommendations", key: TestServer.write)
            let similar = try await client.call(.get, "/v1/items/i1/similar", key: TestServer.write)
            #expect(recommendations.status == 403)
            #expect(similar.status == 403)
        }
    }
}

struct BatchRecommendationsAPITests {
    @Test func oneListPerUserWithInvalidIDsReportedByIndex() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            let reply = try await client.call(
                .post, "/v1/recommendations", key: TestServer.read,
                body: #"{"users": ["a1", "", "b2", 7, true], "count": 2, "exclude": ["A4"]}"#)
            #expect(reply.status == 200)
            guard case .array(let results)? = reply.json?["results"], case .array(let rejected)? = reply.json?["rejected"] else {
                Issue.record("bad body \(reply.text)")
                return
            }
            #expect(results.map { $0["userId"] } == [.string("a1"), .string("b2"), .string("7")])
            #expect(rejected.map { $0["index"] } == [.number(1), .number(4)])
            guard case .array(let first)? = results[0]["items"] else { return }
            #expect(first.count == 2)
            #expect(!first.contains { $0["itemId"] == .string("A4") })
        }
    }

    @Test(arguments: [
        (#"{"users": []}"#, 422), (#"{"users": "a1"}"#, 422), (#"{"users": ["a"], "count": 0}"#, 422),
        (#"{"users": ["a"], "count": 2.5}"#, 422), (#"{"users": ["a"], "extra": 1}"#, 422),
        (#"{"users": ["a"], "availableOnly": "yes"}"#, 422), (#"{"users": ["a"], "exclude": [1.5]}"#, 422), ("[", 400),
    ])
    func badBatchesAreRefused(_ body: String, _ status: Int) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.post, "/v1/recommendations", key: TestServer.read, body: body)
            #expect(reply.status == status, "\(body): \(reply.text)")
        }
    }

    @Test func tooManyUsersIsTooLarge() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let users = (0..<1_001).map { "\"u\($0)\"" }.joined(separator: ",")
            let reply = try await client.call(.post, "/v1/recommendations", key: TestServer.read, body: #"{"users": [\#(users)]}"#)
            #expect(reply.status == 413)
        }
    }
}

struct SegmentColdStartTests {
    /// A newcomer with no events but a declared attribute that puts them in a segment gets that
    /// segment's popular items, not everyone's.
    @Test func aNewcomerStartsFromTheirSegmentsPopularItems() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        for u in 0..<20 {
            try await server.store.record(
                Identify(anonymousID: nil, userID: UserID(unchecked: "b\(u)"), traits: #"{"club":"b"}"#, timestamp: Fixtures.now),
                in: .default)
        }
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            let segment = try await client.call(.post, "/v1/segments", body: #"{"name": "club b", "rule": "attributes.club == \"b\""}"#)
            #expect(segment.status == 201, "\(segment.text)")
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "newbie", "traits": {"club": "b"}}"#)
            let reply = try await client.call(.get, "/v1/users/newbie/recommendations?count=5", key: TestServer.read)
            #expect(reply.json?["strategy"] == .string("popular-in-segment"), "\(reply.text)")
            #expect(RecommendationsAPITests.itemIDs(reply).allSatisfy { $0.hasPrefix("B") }, "\(reply.text)")
            let stranger = try await client.call(.get, "/v1/users/stranger/recommendations?count=5", key: TestServer.read)
            #expect(stranger.json?["strategy"] == .string("popular"))
        }
    }
}
