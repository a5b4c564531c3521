import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresStoreLifecycleTests {
    /// As a server runs it: the store is one of the services of a ServiceGroup, and a graceful
    /// shutdown stops its connection pool.
    @Test func runsInAServiceGroupAndStopsOnGracefulShutdown() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            let logger = PostgresTestServer.logger
            let store = try PostgresStore(configuration, logger: logger)
            let services = ServiceGroup(
                configuration: ServiceGroupConfiguration(services: [.init(service: store)], gracefulShutdownSignals: [], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await services.run() }
                try await store.migrate()
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                #expect(try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])]) == [AppendResult(inserted: 1)])
                await services.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            // After the pool stopped, a request is an error, not a hang.
            let error = await #expect(throws: AttuneError.self) { try await store.stats(of: .default) }
            #expect(error?.code == .storage)
        }
    }
}
