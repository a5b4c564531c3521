@testable import AttuneServer
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

struct ServerEventLoopsTests {
    @Test func aCountGetsOneGroupForTheProcessAndTheCoreCountSharesNIOs() {
        let one = ServerEventLoops.group(threads: 1)
        #expect(one === ServerEventLoops.group(threads: 1))
        #expect(Array(one.makeIterator()).count == 1)
        #expect(ServerEventLoops.group(threads: NIOSingletons.groupLoopCountSuggestion) === MultiThreadedEventLoopGroup.singleton)
    }

    @Test func aServerOnOneEventLoopAnswersManyConnectionsAtOnce() async throws {
        var server = try TestServer()
        server.eventLoops = 1
        let app = try await server.makeApplication()
        #expect(app.eventLoopGroup === ServerEventLoops.group(threads: 1))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // Separate connections, all served by the one loop while their handlers run on Swift's pool.
            let replies = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        await RawHTTPExchange.roundTrip(
                            Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8), port: port)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.count == 12)
            for reply in replies { #expect(reply?.hasPrefix("HTTP/1.1 200 OK") == true) }
        }
    }
}
