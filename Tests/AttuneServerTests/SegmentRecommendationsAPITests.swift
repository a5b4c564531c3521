import AttuneCore
import AttuneServer
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// `segment=` on recommendations: what the segment's members consume comes first.
struct SegmentRecommendationsAPITests {
    @Test func usersWithoutHistoryGetTheSegmentsPopularItems() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            let created = try await client.call(
                .post, "/v1/segments", body: #"{"name": "b side", "rule": "starts_with(user.id, \"b\")"}"#)
            #expect(created.json?["members"] == .number(20))
            let id = try #require(created.json?["id"]?.stringValue)
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            let reply = try await client.call(
                .get, "/v1/users/newcomer/recommendations?count=5&segment=\(id)", key: TestServer.read)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json?["strategy"] == .string("popular-in-segment"))
            let items = RecommendationsAPITests.itemIDs(reply)
            #expect(items.count == 5)
            #expect(items.allSatisfy { $0.hasPrefix("B") }, "\(items)")
            if case .array(let listed)? = reply.json?["items"] {
                #expect(listed.allSatisfy { $0["reason"] == .string("popular in this segment") })
            }
            let known = try await client.call(.get, "/v1/users/a1/recommendations?segment=\(id)", key: TestServer.read)
            #expect(known.status == 200)
            #expect(known.json?["strategy"] == .string("knn"))
            let unknown = try await client.call(.get, "/v1/users/a1/recommendations?segment=seg_nope", key: TestServer.read)
            #expect(unknown.status == 422)
            #expect(unknown.errorField == "segment")
            let twice = try await client.call(
                .get, "/v1/users/a1/recommendations?segment=\(id)&segment=\(id)", key: TestServer.read)
            #expect(twice.status == 422)
        }
    }
}
