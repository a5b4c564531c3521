import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// Runs the API inside this process for the length of `body`, then shuts it down gracefully.
enum InProcessServer {
    static func with<T: Sendable>(
        store: SQLiteStore, dataDirectory: String, logger: Logger, _ body: @escaping @Sendable (_ port: Int) async throws -> T
    ) async throws -> T {
        let clock = SystemClock()
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        let writer = EventWriter(store: store, logger: logger)
        var configuration = ServerConfiguration()
        configuration.port = 0
        // The demo and the benchmarks drive this server as fast as they can: limiting their own
        // key would measure the limiter, not the server.
        configuration.rateLimit = nil
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var dependencies = ServerDependencies(
            store: store, keyring: keyring, clock: clock, registry: PrometheusCollectorRegistry(), writer: writer,
            models: ModelRegistry(files: ModelFiles(dataDirectory: dataDirectory), logger: logger),
            modelPollInterval: .milliseconds(100))
        // The leader-only jobs (webhook delivery, the sweep, ...) under the data directory's lock like
        // `serve`'s: alone, this process leads at once; beside a worker on the same directory, the
        // worker keeps running them and this process none.
        do {
            dependencies.election = try FileLockElection(dataDirectory: dataDirectory)
        } catch let error as LeaderElectionError {
            throw ValidationError(error.message)
        }
        let app = try buildApplication(
            configuration: configuration, dependencies: dependencies, logger: logger
        ) { port in
            portContinuation.yield(port)
        }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let value = try await body(port)
                await group.triggerGracefulShutdown()
                for try await _ in tasks {}
                return value
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
