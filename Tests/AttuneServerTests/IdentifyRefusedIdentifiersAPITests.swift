import AttuneCore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// An identifier held by someone an unmerge split from the user is not merged: the identify
/// reply says how many there were, without repeating them.
struct IdentifyRefusedIdentifiersAPITests {
    @Test func theReplyCountsIdentifiersAnUnmergeKeepsApart() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let email = #"{"email": "ann@example.com"}"#
            _ = try await client.call(.post, "/v1/identify", body: #"{"userId": "a", "identifiers": \#(email)}"#)
            let joined = try await client.call(.post, "/v1/identify", body: #"{"userId": "b", "identifiers": \#(email)}"#)
            #expect(joined.json?["canonicalUserId"]?.stringValue == "a", "\(joined.text)")
            #expect(joined.json?["refusedIdentifiers"] == nil, "nothing refused, nothing said: \(joined.text)")
            #expect(try await client.call(.post, "/v1/users/b/unmerge").status == 200)

            let again = try await client.call(.post, "/v1/identify", body: #"{"userId": "b", "identifiers": \#(email)}"#)
            #expect(again.status == 200, "\(again.text)")
            #expect(again.json?["canonicalUserId"]?.stringValue == "b")
            #expect(again.json?["refusedIdentifiers"] == .number(1), "\(again.text)")
            #expect(!again.text.contains("example.com"))
        }
    }
}
