import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

/// Injection strings and hostile JSON in every string field of the write endpoints: each is
/// answered 2xx or with a clear 4xx (never a 5xx), and the stored data stays intact: the same
/// tables, an intact database, the seeded rows unchanged, counts moved only by what was accepted,
/// and an accepted string read back byte for byte.
struct InjectionTests {
    /// A hostile string: `json` is its text inside a JSON string literal (some are not valid JSON
    /// at all); `raw` the string itself when it is one.
    struct Hostile: Sendable {
        var name: String
        var json: String
        var raw: String?
    }

    static let hostile: [Hostile] = [
        Hostile(name: "SQL comment", json: "'; DROP TABLE events;--", raw: "'; DROP TABLE events;--"),
        Hostile(name: "SQL tautology", json: #"\" OR 1=1 --"#, raw: #"" OR 1=1 --"#),
        Hostile(name: "SQL in an identifier", json: "u1') OR ('1'='1", raw: "u1') OR ('1'='1"),
        Hostile(name: "NUL byte", json: #"a\u0000b"#, raw: "a\u{0}b"),
        Hostile(name: "very long", json: String(repeating: "x", count: 70_000), raw: String(repeating: "x", count: 70_000)),
        Hostile(name: "RTL override", json: #"abc\u202Egpj.exe"#, raw: "abc\u{202E}gpj.exe"),
        Hostile(name: "path traversal", json: "../../etc/passwd", raw: "../../etc/passwd"),
        Hostile(name: "script", json: #"<script>alert(1)<\/script>"#, raw: "<script>alert(1)</script>"),
        Hostile(name: "CRLF header", json: #"x\r\nSet-Cookie: a=b"#, raw: "x\r\nSet-Cookie: a=b"),
        Hostile(name: "format string", json: "%s%n%x%d", raw: "%s%n%x%d"),
        Hostile(name: "emoji and combining marks", json: "Zoë 🚀 e\u{301}", raw: "Zoë 🚀 e\u{301}"),
        Hostile(name: "invalid JSON escape", json: #"\x41\q"#, raw: nil),
        Hostile(name: "lone surrogate", json: #"\ud800"#, raw: nil),
        Hostile(name: "reversed surrogates", json: #"\udc00\ud800"#, raw: nil),
    ]

    /// One string field of one endpoint: `§` in the path or body stands for the hostile string.
    struct Field: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var body: String
        var key = TestServer.admin
        /// Reads an accepted value back: the string as the API returns it, or `nil` when it is not
        /// returned anywhere.
        var readBack: (@Sendable (any TestClientProtocol) async throws -> String?)?
        var testDescription: String { "\(method) \(path) \(body.prefix(70))" }
    }

    static let fields: [Field] = {
        let write = TestServer.write
        var fields: [Field] = [
            Field(method: .post, path: "/v1/events", body: #"{"type": "§", "userId": "u1"}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"type": "view", "userId": "§", "itemId": "i1"}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"type": "view", "anonymousId": "§"}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"type": "view", "userId": "u1", "sessionId": "§"}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"type": "view", "userId": "u1", "itemId": "§"}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"id": "§", "type": "view", "userId": "u1"}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"type": "view", "userId": "u1", "timestamp": "§"}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"type": "view", "userId": "u1", "§": 1}"#, key: write),
            Field(
                method: .post, path: "/v1/events", body: #"{"type": "view", "userId": "reader", "properties": {"note": "§"}}"#,
                key: write,
                readBack: { client in
                    let events = try await client.call(.get, "/v1/users/reader/events")
                    guard case .array(let list)? = events.json?["events"] else { return nil }
                    return list.last?["properties"]?["note"]?.stringValue
                }),
            Field(method: .post, path: "/v1/events", body: #"{"type": "view", "userId": "u1", "properties": {"§": true}}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"type": "view", "userId": "u1", "context": {"pageUrl": "§"}}"#, key: write),
            Field(method: .post, path: "/v1/events", body: #"{"batch": [{"type": "view", "userId": "§"}, {"type": "view", "userId": "u1"}]}"#, key: write),
            Field(method: .post, path: "/v1/identify", body: #"{"userId": "§", "anonymousId": "a1"}"#, key: write),
            Field(method: .post, path: "/v1/identify", body: #"{"userId": "u1", "anonymousId": "§"}"#, key: write),
            Field(
                method: .post, path: "/v1/identify", body: #"{"userId": "u1", "traits": {"nickname": "§"}}"#, key: write,
                readBack: { client in try await client.call(.get, "/v1/users/u1").json?["declared"]?["nickname"]?.stringValue }),
            Field(method: .post, path: "/v1/identify", body: #"{"userId": "u1", "traits": {"§": 1}}"#, key: write),
            Field(method: .patch, path: "/v1/users/u1", body: #"{"name": "§"}"#),
            Field(method: .patch, path: "/v1/users/u1", body: #"{"location": "§", "gender": "§"}"#),
            Field(method: .patch, path: "/v1/users/u1", body: #"{"language": "§"}"#),
            Field(method: .patch, path: "/v1/users/u1", body: #"{"§": "x"}"#),
            Field(method: .patch, path: "/v1/users/§", body: #"{"name": "n"}"#),
            Field(
                method: .put, path: "/v1/items/i9", body: #"{"title": "§"}"#,
                readBack: { client in try await client.call(.get, "/v1/items/i9").json?["title"]?.stringValue }),
            Field(method: .put, path: "/v1/items/i9", body: #"{"description": "§"}"#),
            Field(method: .put, path: "/v1/items/i9", body: #"{"categories": ["§"], "tags": ["§"]}"#),
            Field(method: .put, path: "/v1/items/i9", body: #"{"properties": {"§": "§"}}"#),
            Field(method: .put, path: "/v1/items/§", body: #"{"title": "t"}"#),
            Field(method: .post, path: "/v1/items", body: #"{"items": [{"id": "§", "title": "§"}]}"#),
            Field(method: .post, path: "/v1/segments", body: #"{"name": "§", "rule": "traits.events > 0"}"#),
            Field(method: .post, path: "/v1/segments", body: #"{"name": "s-rule", "rule": "§"}"#),
            Field(method: .post, path: "/v1/segments", body: #"{"name": "s-literal", "rule": "attributes.name == \"§\""}"#),
            Field(method: .post, path: "/v1/experiments", body: #"{"key": "§", "variants": [{"key": "a"}, {"key": "b"}]}"#),
            Field(method: .post, path: "/v1/experiments", body: #"{"key": "e1", "variants": [{"key": "§"}, {"key": "b"}]}"#),
            Field(method: .post, path: "/v1/experiments", body: #"{"key": "e2", "variants": [{"key": "a", "strategy": "§"}]}"#),
            Field(method: .post, path: "/v1/experiments", body: #"{"key": "e3", "variants": [{"key": "a"}], "targeting": "§"}"#),
            Field(
                method: .post, path: "/v1/experiments",
                body: #"{"key": "e4", "variants": [{"key": "a"}], "metrics": [{"name": "§", "kind": "count", "event": "§"}]}"#),
            Field(method: .patch, path: "/v1/experiments/e0", body: #"{"status": "§"}"#),
            Field(method: .post, path: "/v1/webhooks", body: #"{"url": "§"}"#),
            Field(method: .post, path: "/v1/webhooks", body: #"{"url": "https://crm.example/§"}"#),
            Field(method: .post, path: "/v1/webhooks", body: #"{"url": "https://crm.example/h", "segment": "§"}"#),
            Field(method: .put, path: "/v1/users/u1/consent", body: #"{"analytics": true, "source": "§"}"#, key: write),
            Field(method: .put, path: "/v1/users/u1/consent", body: #"{"§": true}"#, key: write),
            Field(
                method: .put, path: "/v1/users/§/consent", body: #"{"marketing": false}"#, key: write,
                readBack: nil),
            Field(method: .post, path: "/v1/recommendations", body: #"{"users": ["§"], "category": "§"}"#, key: TestServer.read),
            Field(method: .post, path: "/v1/users/u1/texts", body: #"{"source": "chat", "text": "§"}"#, key: write),
            Field(method: .post, path: "/v1/users/u1/texts", body: #"{"source": "§", "text": "fine"}"#, key: write),
            Field(method: .post, path: "/v1/users/u1/texts", body: #"{"source": "chat", "text": "fine", "itemId": "§"}"#, key: write),
            Field(method: .post, path: "/v1/users/u1/texts", body: #"{"source": "chat", "text": "fine", "time": "§"}"#, key: write),
            Field(method: .post, path: "/v1/users/u1/texts", body: #"{"source": "chat", "text": "fine", "§": 1}"#, key: write),
            Field(method: .post, path: "/v1/users/§/texts", body: #"{"source": "chat", "text": "fine"}"#, key: write),
            Field(method: .post, path: "/v1/identify", body: #"{"userId": "u1", "identifiers": {"email": "§"}}"#),
            Field(method: .post, path: "/v1/identify", body: #"{"userId": "u1", "identifiers": {"phone": "§"}}"#),
            Field(method: .post, path: "/v1/identify", body: #"{"userId": "u1", "identifiers": {"external:crm": "§"}}"#),
            Field(method: .post, path: "/v1/identify", body: #"{"userId": "u1", "identifiers": {"§": "x"}}"#),
            Field(method: .post, path: "/v1/users/merge", body: #"{"users": ["u1", "§"]}"#),
            Field(method: .post, path: "/v1/users/merge", body: #"{"users": ["u1", "u2"], "canonical": "§"}"#),
            Field(method: .post, path: "/v1/users/§/unmerge", body: ""),
            Field(method: .delete, path: "/v1/users/§", body: ""),
        ]
        fields.sort { $0.testDescription < $1.testDescription }
        return fields
    }()

    static let tables = [
        "events", "items", "profiles", "user_traits", "identities", "segments", "segment_memberships", "experiments",
        "webhooks", "consents", "consent_history", "audit_log", "api_keys", "texts", "text_mentions", "user_identifiers",
        "user_aliases", "user_merges",
    ]

    @Test(arguments: fields)
    func hostileStringsAreRefusedClearlyOrStoredIntact(_ field: Field) async throws {
        let server = try TestServer()
        let store = server.store
        try await store.ensureWorkspace(.default, at: server.clock.now())
        try await store.upsert([Fixtures.item("i1", title: "Seed")], in: .default)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: "u1", item: "i1", at: 1), Fixtures.event(2, user: "u2", item: "i1", at: 2),
        ])])
        let before = try await store.stats(of: .default)
        let schema = try await Self.schema(store)
        #expect(Set(Self.tables).isSubset(of: Set(schema.map { String($0.split(separator: " ")[1]) })))
        let accepted = try await server.makeApplication().test(.router) { client in
            var accepted = 0
            for hostile in Self.hostile {
                let body = field.body.replacingOccurrences(of: "§", with: hostile.json)
                var path = field.path
                if path.contains("§") {
                    // A path takes the string percent-encoded; one that is not a string has no path form.
                    guard let raw = hostile.raw,
                        let encoded = raw.addingPercentEncoding(withAllowedCharacters: .alphanumerics)
                    else { continue }
                    path = path.replacingOccurrences(of: "§", with: encoded)
                }
                let reply = try await client.call(field.method, path, key: field.key, body: body)
                let context = "\(hostile.name): \(reply.status) \(reply.text.prefix(300))"
                #expect((200..<300).contains(reply.status) || (400..<500).contains(reply.status), "\(context)")
                if (400..<500).contains(reply.status) {
                    #expect(reply.errorCode != nil, "a refusal says why: \(context)")
                }
                if hostile.raw == nil, !field.path.contains("§") {
                    #expect(reply.status == 400, "not JSON at all: \(context)")
                }
                if path.hasPrefix("/v1/events"), let n = reply.number("accepted") { accepted += Int(n) }
                if (200..<300).contains(reply.status), let raw = hostile.raw, let readBack = field.readBack {
                    let stored = try await readBack(client)
                    #expect(stored == raw, "\(hostile.name) read back as \(String(describing: stored?.prefix(80)))")
                }
            }
            return accepted
        }
        #expect(try await Self.schema(store) == schema, "no table was dropped or added")
        let integrity = try await store.writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
        let after = try await store.stats(of: .default)
        #expect(after.events == before.events + accepted, "the event log holds exactly what was accepted")
        #expect(try await store.item(ItemID(unchecked: "i1"), in: .default)?.title == "Seed")
        let seeded = try await store.events(of: UserID(unchecked: "u2"), in: .default, after: nil, limit: 10)
        #expect(seeded.filter { $0.event.type == .view }.map(\.event.id) == [Fixtures.eventID(2)])
    }

    static func schema(_ store: SQLiteStore) async throws -> [String] {
        try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT type || ' ' || name FROM sqlite_master ORDER BY name")
        }
    }
}
