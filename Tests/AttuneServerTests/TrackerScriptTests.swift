import AttuneCore
import AttuneServer
import AttuneStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /sdk/attune.js` and the beacon form of `POST /v1/events` the script uses when a page closes.
struct TrackerScriptTests {
    @Test func theScriptIsServedAsJavaScriptWithAValidator() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.get, "/sdk/attune.js", key: nil)
            #expect(reply.status == 200)
            #expect(reply.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(reply.headers[.cacheControl] == "public, max-age=3600")
            let etag = try #require(reply.headers[.eTag])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count == 26)
            #expect(reply.text == TrackerScript.source)
            for name in ["init:", "track:", "identify:", "consent:", "recommend:", "sendBeacon"] {
                #expect(reply.text.contains(name), "the script lacks \(name)")
            }
        }
    }

    @Test(arguments: [#"ETAG"#, #"W/ETAG"#, #""other", ETAG"#, "*"])
    func aCurrentCopyIsNotSentAgain(_ header: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let etag = try #require(try await client.call(.get, "/sdk/attune.js", key: nil).headers[.eTag])
            let reply = try await client.execute(
                uri: "/sdk/attune.js", method: .get, headers: [.ifNoneMatch: header.replacingOccurrences(of: "ETAG", with: etag)]
            ) { $0 }
            #expect(reply.status == .notModified)
            #expect(reply.body.readableBytes == 0)
            #expect(reply.headers[.eTag] == etag)
        }
    }

    @Test func aStaleCopyGetsTheScript() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.execute(uri: "/sdk/attune.js", method: .get, headers: [.ifNoneMatch: #""0123""#]) { $0 }
            #expect(reply.status == .ok)
            #expect(reply.body.readableBytes == TrackerScript.source.utf8.count)
        }
    }

    /// What `navigator.sendBeacon` sends: the write key in the URL and a body without a Content-Type.
    @Test func aBeaconWithTheWriteKeyInTheURLIsStored() async throws {
        let server = try TestServer()
        let id = "6f0c7a8e-8d1b-4c55-9f0e-2a1b3c4d5e6f"
        try await server.makeApplication().test(.router) { client in
            let body = #"{"batch": [{"id": "\#(id)", "type": "page_view", "anonymousId": "a1"}]}"#
            let first = try await client.call(.post, "/v1/events?key=\(TestServer.write)", key: nil, body: body)
            #expect(first.status == 200, "\(first.text)")
            #expect(first.number("accepted") == 1)
            // The page sends the same events again when it comes back: stored once.
            let again = try await client.call(.post, "/v1/events?key=\(TestServer.write)", key: nil, body: body)
            #expect(again.number("duplicates") == 1)
        }
        #expect(try await server.store.stats(of: .default).events == 1)
    }

    @Test(arguments: [TestServer.admin, TestServer.read, "not-a-real-key-at-all", "", String(repeating: "k", count: 8_000), "%00%ff"])
    func onlyAWriteKeyIsTakenFromTheURL(_ key: String) async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(
                .post, "/v1/events?key=\(key)", key: nil, body: #"{"type": "page_view", "anonymousId": "a1"}"#)
            #expect(reply.status == 401)
            #expect(reply.errorCode == "unauthorized")
        }
        #expect(try await server.store.stats(of: .default).events == 0)
    }

    /// A header, when present, is what counts: a write key in the URL does not lift a read key.
    @Test func theHeaderWinsOverTheURL() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(
                .post, "/v1/events?key=\(TestServer.write)", key: TestServer.read, body: #"{"type": "page_view", "anonymousId": "a1"}"#)
            #expect(reply.status == 403)
        }
        #expect(try await server.store.stats(of: .default).events == 0)
    }

    @Test func noOtherRouteTakesAKeyFromTheURL() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let identify = try await client.call(
                .post, "/v1/identify?key=\(TestServer.write)", key: nil, body: #"{"anonymousId": "a", "userId": "u"}"#)
            #expect(identify.status == 401)
            let events = try await client.call(.get, "/v1/users/u/events?key=\(TestServer.admin)", key: nil)
            #expect(events.status == 401)
        }
    }
}
