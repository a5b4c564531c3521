import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct ProfileHistoryAPITests {
    func versions(_ reply: Reply) -> [JSONValue] {
        guard case .array(let versions)? = reply.json?["versions"] else { return [] }
        return versions
    }

    @Test func versionsArriveNewestFirstWithCauseAndChangesPageByPage() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client async throws in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","anonymousId":"v1","itemId":"i1"}"#)
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"u1","itemId":"i1"}"#)
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"anonymousId":"v1","userId":"u1"}"#)
            #expect(try await client.call(.patch, "/v1/users/u1", body: #"{"age": 31}"#).status == 200)

            let all = try await client.call(.get, "/v1/users/u1/history")
            #expect(all.status == 200, "\(all.text)")
            #expect(all.json?["nextCursor"] == .null)
            let listed = versions(all)
            #expect(listed.compactMap { $0["version"] } == [.number(3), .number(2), .number(1)])
            #expect(listed.compactMap { $0["cause"]?.stringValue } == ["patch", "identify", "event"])
            #expect(listed.first?["declared"] == .array([.string("age")]))
            #expect(listed[1]["anonymousId"]?.stringValue == "v1")
            #expect(listed[1]["changed"]?["events"] == .array([.number(1), .number(2)]))
            #expect(listed[2]["events"] == .number(1))
            #expect(listed[2]["at"]?.stringValue?.hasSuffix("Z") == true)

            let first = try await client.call(.get, "/v1/users/u1/history?limit=2")
            #expect(versions(first).compactMap { $0["version"] } == [.number(3), .number(2)])
            let cursor = try #require(first.json?["nextCursor"]?.stringValue)
            let second = try await client.call(.get, "/v1/users/u1/history?limit=2&cursor=\(cursor)")
            #expect(versions(second).compactMap { $0["version"] } == [.number(1)])
            #expect(second.json?["nextCursor"] == .null)
        }
        // Each page that showed versions is audited under the digest.
        let rows = try await server.store.auditRecords(after: 0, limit: 10).filter { $0.entry.action == .userHistoryRead }
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.entry.subject == UserDigest.auditSubject(UserID(unchecked: "u1")) })
    }

    @Test func unknownUsersAndBadParametersAnswerClearly() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client async throws in
            let unknown = try await client.call(.get, "/v1/users/ghost/history")
            #expect(unknown.status == 200)
            #expect(unknown.json?["versions"] == .array([]))
            for query in ["limit=0", "limit=abc", "limit=1001", "cursor=LTE", "cursor=OTk5OTk5OTk5OTk5OTk5OTk5OTk5"] {
                let reply = try await client.call(.get, "/v1/users/ghost/history?\(query)")
                #expect(reply.status == 422, "\(query): \(reply.text)")
            }
            #expect(try await client.call(.get, "/v1/users/ghost/history", key: TestServer.read).status == 403)
        }
        #expect(try await server.store.auditRecords(after: 0, limit: 10).isEmpty)
    }
}
