import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct SegmentsAPITests {
    static let buyers = #"{"name": "buyers", "rule": "count(events, type == \"purchase\", within: 30d) >= 1"}"#

    static func first(_ value: JSONValue?) -> JSONValue? {
        if case .array(let elements)? = value { return elements.first }
        return nil
    }

    @Test func aRuleSegmentFollowsEventsInRealTime() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let created = try await client.call(.post, "/v1/segments", body: Self.buyers)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json?["kind"] == .string("rule"))
            #expect(created.json?["rule"] == .string(#"count(events, type == "purchase", within: 30d) >= 1"#))
            #expect(created.json?["members"] == .number(0))
            let id = try #require(created.json?["id"]?.stringValue)
            let sent = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"batch": [{"type": "view", "userId": "u1"}, {"type": "purchase", "userId": "u2", "value": 20}]}"#)
            #expect(sent.status == 200)
            let members = try await client.call(.get, "/v1/segments/\(id)/members", key: TestServer.read)
            #expect(members.json?["members"] == .array([.string("u2")]))
            let mine = try await client.call(.get, "/v1/users/u2/segments", key: TestServer.read)
            #expect(Self.first(mine.json?["segments"])?["name"] == .string("buyers"))
            let theirs = try await client.call(.get, "/v1/users/u1/segments", key: TestServer.read)
            #expect(theirs.json?["segments"] == .array([]))
            let log = try await client.call(.get, "/v1/users/u2/events")
            guard case .array(let events)? = log.json?["events"] else {
                Issue.record("no events in \(log.text)")
                return
            }
            #expect(events.map { $0["type"] } == [.string("purchase"), .string("segment_entered")])
            #expect(events.last?["properties"]?["segment"] == .string(id))
            let shown = try await client.call(.get, "/v1/segments/\(id)", key: TestServer.read)
            #expect(shown.json?["members"] == .number(1))
            let listed = try await client.call(.get, "/v1/segments", key: TestServer.read)
            #expect(Self.first(listed.json?["segments"])?["id"] == .string(id))
            let deleted = try await client.call(.delete, "/v1/segments/\(id)")
            #expect(deleted.status == 200)
            #expect(try await client.call(.get, "/v1/segments/\(id)").status == 404)
        }
    }

    @Test func creatingASegmentEvaluatesExistingUsers() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"batch": [{"type": "view", "userId": "u1"}, {"type": "view", "userId": "u2"}]}"#)
            let created = try await client.call(.post, "/v1/segments", body: #"{"name": "viewers", "rule": "traits.events_by_type.view >= 1"}"#)
            #expect(created.json?["members"] == .number(2))
        }
    }

    @Test(arguments: [
        (#"{"name": "x", "rule": "traits.events >"}"#, 422, "invalid_value", "rule"),
        (#"{"name": "x", "rule": "count(events, within: 9q) > 1"}"#, 422, "invalid_value", "rule"),
        (#"{"name": "x", "rule": "traits.evnts > 1"}"#, 422, "invalid_value", "rule"),
        (#"{"name": "x", "rule": "traits.events"}"#, 422, "invalid_value", "rule"),
        (#"{"name": "", "rule": "true"}"#, 422, "invalid_value", "name"),
        (#"{"name": "x"}"#, 422, "missing_field", "rule"),
        (#"{"name": "x", "rule": 3}"#, 422, "invalid_value", "rule"),
        (#"{"name": "x", "rule": "true", "kind": "rule"}"#, 422, "invalid_value", "kind"),
        (#"{"name": "x", "rule": "#, 400, "malformed_json", nil),
        (#"[]"#, 422, "invalid_value", ""),
    ] as [(String, Int, String, String?)])
    func badDefinitionsAreRefused(_ body: String, _ status: Int, _ code: String, _ field: String?) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.post, "/v1/segments", body: body)
            #expect(reply.status == status, "\(reply.text)")
            #expect(reply.errorCode == code)
            #expect(reply.errorField == field)
            #expect(try await server.store.segments(in: .default).isEmpty)
        }
    }

    @Test func ruleErrorsGiveThePosition() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(
                .post, "/v1/segments", body: #"{"name": "x", "rule": "count(events, type == \"purchase\" 1) > 1"}"#)
            #expect(reply.status == 422)
            #expect(reply.json?["error"]?["message"]?.stringValue == "expected ')', found a number at column 34")
        }
    }

    @Test func conflictsUnknownIdsScopesAndSizesAreReported() async throws {
        var configured = try TestServer()
        configured.limits.maxSmallBodyBytes = 2_048
        let server = configured
        try await server.makeApplication().test(.router) { client in
            #expect(try await client.call(.post, "/v1/segments", body: Self.buyers).status == 201)
            let again = try await client.call(.post, "/v1/segments", body: Self.buyers)
            #expect(again.status == 409)
            #expect(again.errorCode == "conflict")
            #expect(try await client.call(.get, "/v1/segments/seg_nope").status == 404)
            #expect(try await client.call(.delete, "/v1/segments/seg_nope").status == 404)
            #expect(try await client.call(.get, "/v1/segments/seg_nope/members").status == 404)
            #expect(try await client.call(.post, "/v1/segments", key: TestServer.read, body: Self.buyers).status == 403)
            #expect(try await client.call(.post, "/v1/segments", key: TestServer.write, body: Self.buyers).status == 403)
            #expect(try await client.call(.get, "/v1/segments", key: TestServer.write).status == 403)
            #expect(try await client.call(.get, "/v1/segments", key: nil).status == 401)
            #expect(try await client.call(.get, "/v1/segments", key: TestServer.otherAdmin).json?["segments"] == .array([]))
            let huge = #"{"name": "big", "rule": ""# + String(repeating: "true or ", count: 400) + #"true"}"#
            let tooLarge = try await client.call(.post, "/v1/segments", body: huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.errorCode == "payload_too_large")
            let reserved = try await client.call(
                .post, "/v1/events", key: TestServer.write, body: #"{"type": "segment_entered", "userId": "u1"}"#)
            #expect(reserved.status == 422)
            #expect(try await server.store.segments(in: .default).count == 1)
        }
    }

    @Test func membersArePagedWithCursors() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let batch = (0..<25).map { #"{"type": "view", "userId": "user\#($0)"}"# }.joined(separator: ",")
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"batch": [\#(batch)]}"#)
            let created = try await client.call(.post, "/v1/segments", body: #"{"name": "all", "rule": "traits.events >= 1"}"#)
            let id = try #require(created.json?["id"]?.stringValue)
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "limit=10" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.call(.get, "/v1/segments/\(id)/members?\(query)", key: TestServer.read)
                #expect(page.status == 200)
                if case .array(let members)? = page.json?["members"] { seen += members.compactMap(\.stringValue) }
                cursor = page.json?["nextCursor"]?.stringValue
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == (0..<25).map { "user\($0)" }.sorted())
            let bad = try await client.call(.get, "/v1/segments/\(id)/members?cursor=!!!", key: TestServer.read)
            #expect(bad.status == 422)
            let badLimit = try await client.call(.get, "/v1/segments/\(id)/members?limit=0", key: TestServer.read)
            #expect(badLimit.status == 422)
        }
    }
}
