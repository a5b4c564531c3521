import AttuneCore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct ExplorationAPITests {
    @Test func explorationSlotsAreMarkedAndNeverRepeatWhatTheUserHad() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        try await server.makeApplication().test(.router) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            for _ in 0..<10 {
                let reply = try await client.call(.get, "/v1/users/a1/recommendations?count=4&exploration=0.5", key: TestServer.read)
                #expect(reply.status == 200, "\(reply.text)")
                guard case .array(let items)? = reply.json?["items"] else {
                    Issue.record("no items: \(reply.text)")
                    return
                }
                let explored = items.filter { $0["exploration"] == .bool(true) }
                #expect(explored.count == 2, "\(reply.text)")
                for item in explored {
                    #expect(item["reason"]?.stringValue?.hasPrefix("exploration") == true)
                    // a1 saw A0, A2, A3, A5..A9 (it skipped A1 and A4).
                    let id = item["itemId"]?.stringValue ?? ""
                    #expect(!["A0", "A2", "A3", "A5", "A6", "A7", "A8", "A9"].contains(id), "\(id) was already seen")
                }
                let ids = items.compactMap { $0["itemId"]?.stringValue }
                #expect(Set(ids).count == ids.count, "no item twice: \(ids)")
            }
            let plain = try await client.call(.get, "/v1/users/a1/recommendations?count=4", key: TestServer.read)
            #expect(!plain.text.contains("exploration"))
            let tooMuch = try await client.call(.get, "/v1/users/a1/recommendations?exploration=0.6", key: TestServer.read)
            #expect(tooMuch.status == 422)
            #expect(tooMuch.errorField == "exploration")
        }
    }
}
