import AttuneCore
import AttuneServer
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct LoadSheddingTests {
    /// A router whose /slow route holds its slot until released, so a test can fill every slot.
    static func router(limit: Int, gate: Gate) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: LoadSheddingMiddleware(limiter: InFlightLimiter(limit: limit)))
        router.get("/slow") { _, _ in
            await gate.wait()
            return "done"
        }
        router.get("/healthz") { _, _ in "ok" }
        return router
    }

    @Test func pastTheLimitRequestsAreRefusedAt503WithRetryAfterAndHealthStillAnswers() async throws {
        let gate = Gate()
        let app = Application(router: Self.router(limit: 2, gate: gate))
        try await app.test(.router) { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await client.execute(uri: "/slow", method: .get) { Int($0.status.code) } }
                }
                // Wait until both slots are held.
                while await gate.arrived < 2 { try await Task.sleep(for: .milliseconds(5)) }
                let refused = try await client.execute(uri: "/slow", method: .get) { response in
                    (Int(response.status.code), response.headers[.retryAfter], String(buffer: response.body))
                }
                #expect(refused.0 == 503)
                #expect(refused.1 == "1")
                #expect(refused.2.contains("\"code\":\"overloaded\""))
                let health = try await client.execute(uri: "/healthz", method: .get) { Int($0.status.code) }
                #expect(health == 200, "monitoring is never shed")
                await gate.open()
                for try await status in group { #expect(status == 200) }
            }
            // Slots are given back: the next request is served.
            let after = try await client.execute(uri: "/slow", method: .get) { Int($0.status.code) }
            #expect(after == 200)
        }
    }

    @Test func theLimiterNeverAdmitsMoreThanItsLimit() {
        let limiter = InFlightLimiter(limit: 3)
        #expect((0..<5).map { _ in limiter.acquire() } == [true, true, true, false, false])
        #expect(limiter.inProgress == 3)
        limiter.release()
        #expect(limiter.acquire())
        #expect(!limiter.acquire())
    }
}
