import AttuneCore
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct UsersAPITests {
    @Test func aPatchMergesDeclaredAttributesAndSegmentsFollow() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "u1", "traits": {"plan": "free", "age": 20}}"#)
            let segment = try await client.call(.post, "/v1/segments", body: #"{"name": "adults-de", "rule": "attributes.country == \"DE\""}"#)
            let id = try #require(segment.json?["id"]?.stringValue)
            let patched = try await client.call(.patch, "/v1/users/u1", body: #"{"age": 31, "country": "DE", "plan": null, "prefs": {"news": true}}"#)
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.json?["declared"]?["age"] == .number(31))
            #expect(patched.json?["declared"]?["plan"] == nil, "null removes an attribute")
            #expect(patched.json?["declared"]?["prefs"]?["news"] == .bool(true))
            let members = try await client.call(.get, "/v1/users?segment=\(id)")
            #expect(members.status == 200, "\(members.text)")
            guard case .array(let users)? = members.json?["users"] else {
                Issue.record("no users: \(members.text)")
                return
            }
            #expect(users.compactMap { $0["userId"]?.stringValue } == ["u1"])
        }
    }

    @Test(arguments: [
        (#"{"age": "forty"}"#, "age"), (#"{"age": 30.5}"#, "age"), (#"{"age": 200}"#, "age"),
        (#"{"language": "english!"}"#, "language"), (#"{"country": "de"}"#, "country"), (#"{"gender": ""}"#, "gender"),
        (#"{}"#, ""), (#"[1, 2]"#, ""),
    ])
    func wrongTypesAreRefusedAndNothingChanges(_ body: String, _ field: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "u1", "traits": {"age": 20}}"#)
            let reply = try await client.call(.patch, "/v1/users/u1", body: body)
            #expect(reply.status == 422, "\(body): \(reply.text)")
            #expect((reply.errorField ?? "") == field, "\(body): \(reply.text)")
            #expect(try await server.store.traits(of: UserID(unchecked: "u1"), in: .default) == #"{"age":20}"#)
        }
    }

    @Test func unknownUsersMalformedBodiesAndPagesAnswerClearly() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            #expect(try await client.call(.patch, "/v1/users/ghost", body: #"{"age": 3}"#).status == 404)
            #expect(try await client.call(.patch, "/v1/users/ghost", body: "{oops").status == 400)
            #expect(try await client.call(.patch, "/v1/users/ghost", key: TestServer.write, body: #"{"age": 3}"#).status == 403)
            var batch: [String] = []
            for i in 0..<5 { batch.append(#"{"type": "view", "userId": "p\#(i)", "itemId": "i1"}"#) }
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"batch": [\#(batch.joined(separator: ","))]}"#)
            let first = try await client.call(.get, "/v1/users?limit=3")
            let cursor = try #require(first.json?["nextCursor"]?.stringValue)
            let second = try await client.call(.get, "/v1/users?limit=3&cursor=\(cursor)")
            func ids(_ reply: Reply) -> [String] {
                guard case .array(let users)? = reply.json?["users"] else { return [] }
                return users.compactMap { $0["userId"]?.stringValue }
            }
            #expect(ids(first) + ids(second) == ["p0", "p1", "p2", "p3", "p4"])
            #expect(second.json?["nextCursor"] == .null)
            #expect(try await client.call(.get, "/v1/users?segment=nope").status == 404)
            #expect(try await client.call(.get, "/v1/users?limit=0").status == 422)
        }
    }
}

struct IdentifyMergeTests {
    /// A null in identify's traits removes the trait (RFC 7396); it used to be dropped before the merge.
    @Test func aNullTraitRemovesIt() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "u1", "traits": {"plan": "gold", "age": 4}}"#)
            _ = try await client.call(.post, "/v1/identify", key: TestServer.write, body: #"{"userId": "u1", "traits": {"plan": null}}"#)
            #expect(try await server.store.traits(of: UserID(unchecked: "u1"), in: .default) == #"{"age":4}"#)
        }
    }
}
