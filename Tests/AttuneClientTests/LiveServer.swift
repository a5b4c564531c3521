import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus

/// An Attune server on a real port (in this process) over an in-memory store, for the client.
struct LiveServer {
    static let write = "client-write-key-0123456789"
    let store: SQLiteStore

    init() throws {
        store = try SQLiteStore()
    }

    /// Runs `body` with the server's base URL while it listens.
    func run(_ body: @Sendable (URL) async throws -> Void) async throws {
        let clock = SystemClock()
        try await store.ensureWorkspace(.default, at: clock.now())
        try await store.addKey(APIKeyFactory.record(for: Self.write, workspace: .default, scope: .write, label: "test", now: clock.now()))
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        let logger = Logger(label: "test")
        let models = FileManager.default.temporaryDirectory.appendingPathComponent("attune-client-\(UUID().uuidString)").path
        var dependencies = ServerDependencies(
            store: store, keyring: keyring, clock: clock, registry: PrometheusCollectorRegistry(),
            writer: EventWriter(store: store, logger: logger),
            models: ModelRegistry(files: ModelFiles(dataDirectory: models), logger: logger))
        dependencies.webhookInterval = nil
        dependencies.modelHealthInterval = nil
        dependencies.experimentMonitorInterval = nil
        dependencies.segmentSweepInterval = nil
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let app = try buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
        try await app.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(client.port!)")!)
        }
    }

    /// The types of the events stored for `user`, in order.
    func types(of user: String) async throws -> [String] {
        try await store.events(of: UserID(unchecked: user), in: .default, after: nil, limit: 10_000).map(\.event.type.rawValue)
    }

    func eventCount() async throws -> Int {
        try await store.stats(of: .default).events
    }
}

/// A fresh folder for a client's queue.
func temporaryQueueDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("attune-queue-\(UUID().uuidString)")
}

/// A server address where nothing listens: connections are refused, as when the server is down.
let unreachable = URL(string: "http://127.0.0.1:1")!
