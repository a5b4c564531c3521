import AttuneCore
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import HummingbirdWebSocket
import NIOCore
import Testing

/// Clients too slow to finish a request are cut off, so that they cannot hold connections (and
/// file descriptors) open; clients that are merely idle between requests are not. The durations
/// are guards that turn a connection held open into a failure, not measured thresholds.
struct SlowClientTests {
    static let healthz = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)

    static func server(headerTimeout: Duration, idleTimeout: Duration = .seconds(60)) throws -> TestServer {
        var server = try TestServer()
        server.limits.headerTimeout = headerTimeout
        server.limits.idleTimeout = idleTimeout
        return server
    }

    @Test(arguments: ["GET / HTTP/1.1\r\nHost: x\r\n", "GET /heal", "", "\r\n\r\n", "\n\n\n"])
    func aClientThatStallsInItsFirstRequestHeadIsAnswered408AndClosed(_ partial: String) async throws {
        let server = try Self.server(headerTimeout: .seconds(1))
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            // Nothing more is sent, so an answer within the guard means the server timed it out.
            let reply = await RawHTTPExchange.roundTrip(Array(partial.utf8), port: port, timeout: 10)
            #expect(reply?.hasPrefix("HTTP/1.1 408 ") == true, "\(reply ?? "no answer, and the connection left open")")
            let healthy = await RawHTTPExchange.roundTrip(Self.healthz, port: port)
            #expect(healthy?.hasPrefix("HTTP/1.1 200 ") == true)
        }
    }

    /// Trickling one byte a second would keep an idle timer from ever firing; the header deadline
    /// counts from the accept, so it ends the connection long before the head is complete.
    @Test func aHeadTrickledOneByteASecondIsCutOffAtTheDeadline() async throws {
        let server = try Self.server(headerTimeout: .seconds(2), idleTimeout: .seconds(1))
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let head = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghij\r\n\r\n".utf8)
            let reply = await RawHTTPExchange.paced(head.map { [$0] }, pause: 1, port: port, timeout: 10)
            #expect(reply.chunksSent < head.count, "the whole head went through")
            #expect(reply.text?.hasPrefix("HTTP/1.1 408 ") == true, "\(reply.text ?? "no answer")")
            let healthy = await RawHTTPExchange.roundTrip(Self.healthz, port: port)
            #expect(healthy?.hasPrefix("HTTP/1.1 200 ") == true)
        }
    }

    /// A client that stops sending in the middle of a request body is cut off (closed without an
    /// answer) after the idle timeout instead of holding its connection, and a slot, for the
    /// 30-second body limit; the server keeps answering others.
    @Test func aClientThatStopsSendingItsBodyIsCutOff() async throws {
        let server = try Self.server(headerTimeout: .seconds(60), idleTimeout: .seconds(1))
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let partial =
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(TestServer.write)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"type\":"
            let reply = await RawHTTPExchange.roundTrip(Array(partial.utf8), port: port, timeout: 10)
            #expect(reply != nil, "the connection was still open after 10 s")
            #expect(reply == "", "answered: \(reply ?? "")")
            let healthy = await RawHTTPExchange.roundTrip(Self.healthz, port: port)
            #expect(healthy?.hasPrefix("HTTP/1.1 200 ") == true)
        }
        #expect(try await server.store.stats(of: .default).events == 0)
    }

    /// A later head is timed from its first byte, not from the end of the previous request: a
    /// keep-alive client that waits longer than the header timeout between requests is still
    /// served on the same connection.
    @Test func aKeepAliveClientIdleBetweenRequestsIsServed() async throws {
        let server = try Self.server(headerTimeout: .seconds(1))
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let first = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            let reply = await RawHTTPExchange.paced([first, Self.healthz], pause: 2.5, port: port, timeout: 10)
            #expect(reply.chunksSent == 2)
            let answers = reply.text?.components(separatedBy: "HTTP/1.1 200 ").count ?? 0
            #expect(answers - 1 == 2, "\(reply.text ?? "no answer")")
        }
    }

    /// A client that sends one request promptly and then trickles the next head on the same
    /// connection is cut off too: the idle timeout alone would never fire.
    @Test func aLaterHeadTrickledOnAKeptAliveConnectionIsCutOff() async throws {
        let server = try Self.server(headerTimeout: .seconds(2))
        try await server.makeApplication().test(.live) { client in
            let port = try #require(client.port)
            let first = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            let second = Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghij\r\n\r\n".utf8)
            let reply = await RawHTTPExchange.paced(
                [first] + second.map { [$0] }, pause: 1, port: port, timeout: 20, answerFirst: true)
            #expect(reply.chunksSent < 1 + second.count, "the whole second head went through")
            let answers = reply.text?.components(separatedBy: "HTTP/1.1 200 ").count ?? 0
            #expect(answers - 1 == 1, "\(reply.chunksSent) sent; \(reply.text ?? "no answer")")
            let healthy = await RawHTTPExchange.roundTrip(Self.healthz, port: port)
            #expect(healthy?.hasPrefix("HTTP/1.1 200 ") == true)
        }
    }

    /// A WebSocket outlives the header deadline: the deadline ends with the upgrade request's head.
    @Test func aStreamOutlivesTheHeaderDeadline() async throws {
        let server = try Self.server(headerTimeout: .seconds(1))
        try await server.makeApplication().test(.live) { client in
            try await client.ws("/v1/stream", configuration: StreamAPITests.configuration(key: TestServer.admin)) {
                inbound, outbound, _ in
                try await Task.sleep(for: .seconds(2.5))
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await outbound.write(.text("not json"))
                let error = try await StreamAPITests.next("error", from: &messages)
                #expect(error?["error"]?["code"] == .string("malformed_json"))
            }
        }
    }
}
