import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// `DELETE /v1/users/{id}` of any id of a merged person erases every id of the person.
struct MergedErasureAPITests {
    @Test(arguments: ["m1", "m2", "m3"])
    func deletingAnyIdOfAMergedPersonErasesEveryId(named: String) async throws {
        let server = try TestServer()
        let store = server.store
        try await server.makeApplication().test(.router) { client in
            for (n, user) in ["m1", "m2", "m3", "other"].enumerated() {
                let posted = try await client.call(
                    .post, "/v1/events", key: TestServer.write,
                    body: #"{"type": "view", "userId": "\#(user)", "itemId": "i\#(n)"}"#)
                #expect(posted.status == 200)
                _ = try await client.call(.put, "/v1/users/\(user)/consent", key: TestServer.write, body: #"{"marketing": true}"#)
            }
            let merged = try await client.call(.post, "/v1/users/merge", body: #"{"users": ["m1", "m2", "m3"], "canonical": "m1"}"#)
            #expect(merged.status == 200, "\(merged.text)")

            let receipt = try await client.call(.delete, "/v1/users/\(named)")
            #expect(receipt.status == 200, "\(receipt.text)")
            #expect(receipt.json?["deleted"]?["events"] == .number(3), "\(receipt.text)")
            for user in ["m1", "m2", "m3"] {
                #expect(try await client.call(.get, "/v1/users/\(user)").status == 404)
                #expect(try await client.call(.get, "/v1/users/\(user)/consent").json?["history"] == .array([]))
                #expect(try await store.canonicalUser(of: UserID(unchecked: user), in: .default) == UserID(unchecked: user))
            }
            #expect(try await client.call(.get, "/v1/users/other").status == 200)
            #expect(try await client.call(.delete, "/v1/users/m2").status == 404, "nothing is left to erase")
        }
        #expect(try await store.erasedUserDigests(in: .default).count == 3)
    }
}
