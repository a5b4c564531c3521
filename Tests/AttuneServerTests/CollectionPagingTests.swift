import AttuneCore
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Segments, experiments and webhooks are stored whole per workspace (their number is capped) and
/// listed a page at a time like every other list.
struct CollectionPagingTests {
    /// Follows `nextCursor` from the first page to the last and returns every key seen.
    static func walk(
        _ client: some TestClientProtocol, _ path: String, collection: String, key: String, limit: Int
    ) async throws -> [String] {
        var keys: [String] = []
        var cursor: String?
        for _ in 0..<20 {
            let uri = "\(path)?limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await client.call(.get, uri)
            #expect(page.status == 200, "\(page.text)")
            guard case .array(let elements)? = page.json?[collection] else {
                Issue.record("no \(collection) array in \(page.text)")
                return keys
            }
            #expect(elements.count <= limit)
            keys += elements.compactMap { $0[key]?.stringValue }
            guard case .string(let next)? = page.json?["nextCursor"] else { return keys }
            cursor = next
        }
        Issue.record("more pages than elements")
        return keys
    }

    @Test func segmentsExperimentsAndWebhooksArePagedInKeyOrder() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            for name in ["delta", "alpha", "echo", "charlie", "bravo"] {
                let created = try await client.call(.post, "/v1/segments", body: #"{"name": "\#(name)", "rule": "attributes.plan == \"\#(name)\""}"#)
                #expect(created.status == 201, "\(created.text)")
            }
            for key in ["exp-c", "exp-a", "exp-b"] {
                let body = #"{"key": "\#(key)", "name": "n", "variants": [{"key": "control"}, {"key": "b"}], "metrics": [{"name": "buy", "kind": "conversion", "event": "purchase"}]}"#
                let created = try await client.call(.post, "/v1/experiments", body: body)
                #expect(created.status == 201, "\(created.text)")
            }
            for n in 0..<3 {
                let created = try await client.call(.post, "/v1/webhooks", body: #"{"url": "https://crm.example/\#(n)"}"#)
                #expect(created.status == 201, "\(created.text)")
            }

            let segments = try await Self.walk(client, "/v1/segments", collection: "segments", key: "name", limit: 2)
            #expect(segments == ["alpha", "bravo", "charlie", "delta", "echo"])
            let experiments = try await Self.walk(client, "/v1/experiments", collection: "experiments", key: "key", limit: 2)
            #expect(experiments == ["exp-a", "exp-b", "exp-c"])
            let webhooks = try await Self.walk(client, "/v1/webhooks", collection: "webhooks", key: "id", limit: 1)
            #expect(webhooks.count == 3)
            #expect(webhooks == webhooks.sorted())
            #expect(Set(webhooks).count == 3)

            // A whole collection in one page ends with no cursor.
            let whole = try await client.call(.get, "/v1/segments")
            if case .array(let all)? = whole.json?["segments"] { #expect(all.count == 5) } else { Issue.record("no segments") }
            #expect(whole.json?["nextCursor"] == .null)
        }
    }

    @Test(arguments: ["/v1/segments", "/v1/experiments", "/v1/webhooks"])
    func badPagingParametersAreRefused(_ path: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            for query in ["limit=0", "limit=1001", "limit=ten", "cursor=%%%", "cursor=not!base64", "limit=1&limit=2"] {
                let reply = try await client.call(.get, "\(path)?\(query)")
                #expect(reply.status == 422, "\(path)?\(query): \(reply.text)")
            }
        }
    }

    @Test func aWorkspaceHoldsAtMostAHundredWebhooks() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            for n in 0..<SQLiteStore.maxWebhooks {
                let created = try await client.call(.post, "/v1/webhooks", body: #"{"url": "https://crm.example/\#(n)"}"#)
                #expect(created.status == 201, "\(created.text)")
            }
            let refused = try await client.call(.post, "/v1/webhooks", body: #"{"url": "https://crm.example/one-more"}"#)
            #expect(refused.status == 409, "\(refused.text)")
            let listed = try await Self.walk(client, "/v1/webhooks", collection: "webhooks", key: "id", limit: 1_000)
            #expect(listed.count == SQLiteStore.maxWebhooks)
        }
    }

    @Test func aWorkspaceHoldsAtMostAThousandExperiments() async throws {
        let server = try TestServer()
        let now = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
        try await server.store.ensureWorkspace(.default, at: now)
        for n in 0..<SQLiteStore.maxExperiments {
            try await server.store.createExperiment(try Self.experiment("exp-\(n)"), in: .default, at: now)
        }
        try await server.makeApplication().test(.router) { client in
            let body = #"{"key": "one-more", "name": "n", "variants": [{"key": "control"}, {"key": "b"}], "metrics": [{"name": "buy", "kind": "conversion", "event": "purchase"}]}"#
            let refused = try await client.call(.post, "/v1/experiments", body: body)
            #expect(refused.status == 409, "\(refused.text)")
            #expect(refused.text.contains("at most 1000 experiments"))
        }
    }

    static func experiment(_ key: String) throws -> ExperimentDefinition {
        let json = try JSONParser().parse(
            #"{"key": "\#(key)", "name": "n", "variants": [{"key": "control"}, {"key": "b"}], "metrics": [{"name": "buy", "kind": "conversion", "event": "purchase"}]}"#)
        return try ExperimentDefinition.decode(json)
    }
}
