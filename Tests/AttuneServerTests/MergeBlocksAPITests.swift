import AttuneCore
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// The "do not merge" pairs an unmerge leaves are part of what is held about a person: the
/// profile read and the export list them for every id of the person.
struct MergeBlocksAPITests {
    @Test func theProfileAndTheExportListThePairsOfEveryIdOfThePerson() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("a", 2))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("b", 2, from: 5))
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: IdentityAPITests.events("c", 1, from: 9))
            #expect(try await client.call(.get, "/v1/users/a").json?["mergeBlocks"] == .array([]))
            let merged = try await client.call(.post, "/v1/users/merge", body: #"{"users": ["a", "b"], "canonical": "a"}"#)
            #expect(merged.status == 200, "\(merged.text)")
            let undone = try await client.call(.post, "/v1/users/b/unmerge")
            #expect(undone.status == 200, "\(undone.text)")
            let mergeID = undone.json?["unmerged"]?["id"]
            // c joins a: the person a + c still holds a's pair with b.
            #expect(try await client.call(.post, "/v1/users/merge", body: #"{"users": ["a", "c"], "canonical": "a"}"#).status == 200)

            for asked in ["a", "c"] {
                let profile = try await client.call(.get, "/v1/users/\(asked)")
                guard case .array(let blocks)? = profile.json?["mergeBlocks"] else {
                    Issue.record("no mergeBlocks: \(profile.text)")
                    return
                }
                #expect(blocks.count == 1, "\(profile.text)")
                #expect(blocks.first?["userId"]?.stringValue == "a")
                #expect(blocks.first?["otherUserId"]?.stringValue == "b")
                #expect(blocks.first?["mergeId"] == mergeID)
                #expect(blocks.first?["at"]?.stringValue != nil)
            }
            let other = try await client.call(.get, "/v1/users/b")
            if case .array(let blocks)? = other.json?["mergeBlocks"] {
                #expect(blocks.map { $0["otherUserId"]?.stringValue } == ["a"], "\(other.text)")
            } else {
                Issue.record("no mergeBlocks for b: \(other.text)")
            }

            let export = try await client.call(.get, "/v1/users/c/export")
            #expect(export.status == 200, "\(export.text)")
            guard case .array(let exported)? = export.json?["identifiers"]?["mergeBlocks"] else {
                Issue.record("no mergeBlocks in the export: \(export.text)")
                return
            }
            #expect(exported.map { $0["otherUserId"]?.stringValue } == ["b"])
            #expect(exported.first?["mergeId"] == mergeID)
        }
    }
}
