import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

/// An endpoint that takes the request and never answers (until its task is cancelled).
final class HangingTransport: WebhookTransport {
    private let calls = Locked(0)

    var called: Int { calls.withLock { $0 } }

    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> Int {
        calls.withLock { $0 += 1 }
        try await Task.sleep(for: .seconds(3_600))
        return 204
    }
}

/// A delivery round can take minutes against endpoints that do not answer; shutting down must not
/// wait for it, and must not count the interrupted send as a failed attempt.
struct WebhookShutdownTests {
    @Test func gracefulShutdownCancelsADeliveryInFlightAndCountsNoAttempt() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let (id, _, _) = try await WebhookTests.setUp(client)
            let hanging = HangingTransport()
            let dispatcher = WebhookDispatcher(
                store: server.store, transport: hanging, clock: server.clock, logger: Logger(label: "t"))
            let group = ServiceGroup(services: [dispatcher], gracefulShutdownSignals: [], logger: Logger(label: "t"))
            let stopped = try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return true
                }
                // Without the fix the group waits for the hour-long send: fail instead of hanging.
                tasks.addTask {
                    try await Task.sleep(for: .seconds(120))
                    return false
                }
                while hanging.called == 0 { try await Task.sleep(for: .milliseconds(10)) }
                await group.triggerGracefulShutdown()
                let first = try await tasks.next() ?? false
                tasks.cancelAll()
                return first
            }
            #expect(stopped, "the dispatcher did not stop on graceful shutdown")
            let hook = try #require(try await server.store.webhooks(in: .default).first { $0.id == id })
            #expect(hook.attempts == 0)
            #expect(hook.lastError == nil)
            // The interrupted change is sent by the next round, first.
            let transport = RecordingTransport()
            let next = WebhookDispatcher(store: server.store, transport: transport, clock: server.clock, logger: Logger(label: "t"))
            #expect(try await next.deliver(in: .default) == 2)
        }
    }
}
