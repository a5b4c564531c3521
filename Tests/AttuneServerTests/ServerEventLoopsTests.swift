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

    @Test func aServerGivenOneEventLoopRunsOnItsOneThreadGroup() async throws {
        var server = try TestServer()
        server.eventLoops = 1
        let app = try await server.makeApplication()
        #expect(app.eventLoopGroup === ServerEventLoops.group(threads: 1))
        try await app.test(.live) { client in
            for _ in 0..<12 {
                let status = try await client.execute(uri: "/healthz", method: .get) { Int($0.status.code) }
                #expect(status == 200)
            }
        }
    }
}
