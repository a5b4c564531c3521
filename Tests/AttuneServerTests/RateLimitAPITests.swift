import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

struct RateLimitAPITests {
    func server(rate: Double, burst: Int) throws -> TestServer {
        var server = try TestServer()
        server.rateLimit = try RateLimit(perSecond: rate, burst: burst)
        return server
    }

    @Test func aKeyPastItsBurstGets429WithRetryAfterAndTheErrorBody() async throws {
        let server = try server(rate: 0.5, burst: 3)
        try await server.makeApplication().test(.router) { client async throws in
            for _ in 0..<3 { #expect(try await client.call(.get, "/v1/stats").status == 200) }
            let limited = try await client.call(.get, "/v1/stats")
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            #expect(limited.json?["error"]?["message"]?.stringValue?.isEmpty == false)
            // One request every two seconds: the next token is two seconds away.
            #expect(limited.headers[.retryAfter] == "2")
            server.monotonicNow.advance(seconds: 2)
            #expect(try await client.call(.get, "/v1/stats").status == 200)
            #expect(try await client.call(.get, "/v1/stats").status == 429)
        }
    }

    @Test func retryAfterIsAtLeastOneWholeSecond() async throws {
        let server = try server(rate: 1_000, burst: 1)
        try await server.makeApplication().test(.router) { client async throws in
            #expect(try await client.call(.get, "/v1/stats").status == 200)
            let limited = try await client.call(.get, "/v1/stats")
            #expect(limited.status == 429)
            #expect(limited.headers[.retryAfter] == "1")
        }
    }

    @Test func eachKeyHasItsOwnBucket() async throws {
        let server = try server(rate: 1, burst: 1)
        try await server.makeApplication().test(.router) { client async throws in
            #expect(try await client.call(.get, "/v1/stats", key: TestServer.admin).status == 200)
            #expect(try await client.call(.get, "/v1/stats", key: TestServer.admin).status == 429)
            #expect(try await client.call(.get, "/v1/stats", key: TestServer.otherAdmin).status == 200)
            #expect(try await client.call(.get, "/v1/items", key: TestServer.read).status == 200)
        }
    }

    @Test func aKeysOwnRateOverridesTheDefault() async throws {
        let server = try server(rate: 1, burst: 2)
        let dependencies = try await server.dependencies()
        var fast = APIKeyFactory.record(for: "fast-key-0123456789abcdef", workspace: .default, scope: .admin, label: "fast", now: server.clock.now())
        fast.rate = 1_000
        try await server.store.addKey(fast)
        try await dependencies.keyring.reload()
        var configuration = ServerConfiguration()
        configuration.rateLimit = server.rateLimit
        let app = try buildApplication(configuration: configuration, dependencies: dependencies, logger: .init(label: "test"))
        try await app.test(.router) { client async throws in
            for _ in 0..<2 { #expect(try await client.call(.get, "/v1/stats", key: TestServer.admin).status == 200) }
            #expect(try await client.call(.get, "/v1/stats", key: TestServer.admin).status == 429)
            // Same burst, but a thousand per second: a millisecond later it has a token again.
            for _ in 0..<2 { #expect(try await client.call(.get, "/v1/stats", key: "fast-key-0123456789abcdef").status == 200) }
            #expect(try await client.call(.get, "/v1/stats", key: "fast-key-0123456789abcdef").status == 429)
            server.monotonicNow.advance(seconds: 0.001)
            #expect(try await client.call(.get, "/v1/stats", key: "fast-key-0123456789abcdef").status == 200)
            #expect(try await client.call(.get, "/v1/stats", key: TestServer.admin).status == 429)
        }
    }

    @Test func publicRoutesAndUnknownKeysAreNotCountedAgainstAKey() async throws {
        let server = try server(rate: 1, burst: 1)
        try await server.makeApplication().test(.router) { client async throws in
            for _ in 0..<5 { #expect(try await client.call(.get, "/healthz", key: nil).status == 200) }
            for _ in 0..<5 { #expect(try await client.call(.get, "/v1/stats", key: "no-such-key-0123456789").status == 401) }
            #expect(try await client.call(.get, "/v1/stats").status == 200)
        }
    }
}
