import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import HummingbirdWebSocket
import NIOCore
import Testing

/// `GET /v1/stream` over a real socket.
struct StreamAPITests {
    static func configuration(key: String?) -> WebSocketClientConfiguration {
        var headers = HTTPFields()
        if let key { headers[.authorization] = "Bearer \(key)" }
        return WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
    }

    /// Reads text frames until one has `type`, returning it (or `nil` when the socket ends).
    static func next(_ type: String, from iterator: inout WebSocketInboundMessageStream.AsyncIterator) async throws -> JSONValue? {
        while let message = try await iterator.next() {
            guard case .text(let text) = message else { continue }
            let value = try JSONParser().parse(Array(text.utf8))
            if value["type"] == .string(type) { return value }
        }
        return nil
    }

    static func items(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value?["items"] else { return [] }
        return items.compactMap { $0["itemId"]?.stringValue }
    }

    @Test func subscribersGetTheirListAndAgainWhenTheirOwnEventsChangeIt() async throws {
        let server = try TestServer()
        try await RecommendationsAPITests.seed(server)
        try await RecommendationsAPITests.train(server)
        let received = Locked<[JSONValue]>([])
        try await server.makeApplication().test(.live) { client in
            _ = try await RecommendationsAPITests.waitForVersion(1, client: client)
            try await client.ws("/v1/stream", configuration: Self.configuration(key: TestServer.admin)) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await outbound.write(.text(#"{"type": "subscribe", "userId": "newcomer", "count": 3}"#))
                let first = try await Self.next("recommendations", from: &messages)
                try await outbound.write(.text(
                    #"{"type": "events", "batch": [{"type": "view", "userId": "newcomer", "itemId": "B2"}, {"type": "view", "userId": "newcomer", "itemId": "bad id\u0000"}]}"#))
                // The periodic refresh may push the changed list before the ack is sent.
                var ack: JSONValue?
                var early: JSONValue?
                while ack == nil, let message = try await messages.next() {
                    guard case .text(let text) = message else { continue }
                    let value = try JSONParser().parse(Array(text.utf8))
                    if value["type"] == .string("ack") { ack = value }
                    if value["type"] == .string("recommendations") { early = value }
                }
                var second = early
                if second == nil { second = try await Self.next("recommendations", from: &messages) }
                try await outbound.write(.text("not json"))
                let error = try await Self.next("error", from: &messages)
                try await outbound.write(.binary(ByteBuffer(string: "{}")))
                let binary = try await Self.next("error", from: &messages)
                received.withLock { $0 = [first, ack, second, error, binary].map { $0 ?? .null } }
            }
        }
        let (first, ack, second, error, binary) = received.withLock { ($0[0], $0[1], $0[2], $0[3], $0[4]) }
        #expect(first["strategy"] == .string("popular"))
        #expect(Self.items(first).count == 3)
        #expect(ack["accepted"] == .number(1))
        guard case .array(let rejected)? = ack["rejected"] else {
            Issue.record("no rejections in \(ack)")
            return
        }
        #expect(rejected.first?["index"] == .number(1))
        #expect(second["strategy"] == .string("knn"))
        #expect(Self.items(second).allSatisfy { $0.hasPrefix("B") && $0 != "B2" }, "\(second)")
        #expect(error["error"]?["code"] == .string("malformed_json"))
        #expect(binary["error"] != nil)
    }

    @Test func scopesAreEnforcedPerMessage() async throws {
        let server = try TestServer()
        let received = Locked<[JSONValue]>([])
        try await server.makeApplication().test(.live) { client in
            try await client.ws("/v1/stream", configuration: Self.configuration(key: TestServer.write)) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await outbound.write(.text(#"{"type": "subscribe", "userId": "u1"}"#))
                let refused = try await Self.next("error", from: &messages)
                try await outbound.write(.text(#"{"type": "event", "event": {"type": "view", "userId": "u1", "itemId": "i1"}}"#))
                let ack = try await Self.next("ack", from: &messages)
                try await outbound.write(.text(#"{"type": "subscribe", "userId": "u1", "extra": 1}"#))
                let unknown = try await Self.next("error", from: &messages)
                received.withLock { $0 = [refused, ack, unknown].map { $0 ?? .null } }
            }
        }
        let messages = received.withLock { $0 }
        #expect(messages[0]["error"]?["code"] == .string("forbidden"))
        #expect(messages[1]["accepted"] == .number(1))
        #expect(messages[2]["error"]?["code"] == .string("forbidden"))
    }

    @Test func aKeyIsRequiredAndOversizedMessagesCloseTheSocket() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.live) { client in
            await #expect(throws: (any Error).self) {
                try await client.ws("/v1/stream", configuration: Self.configuration(key: nil)) { _, _, _ in }
            }
            await #expect(throws: (any Error).self) {
                try await client.ws("/v1/stream", configuration: Self.configuration(key: "not-a-key")) { _, _, _ in }
            }
            let close = try await client.ws("/v1/stream?key=\(TestServer.read)", configuration: Self.configuration(key: nil)) {
                inbound, outbound, _ in
                try await outbound.write(.text(String(repeating: "x", count: StreamController.maxMessageBytes + 1)))
                for try await _ in inbound {}
            }
            let code = String(describing: close?.closeCode)
            #expect(code.contains("messageTooLarge"), "\(String(describing: close))")
        }
    }
}
