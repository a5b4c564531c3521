import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOSSL
import Prometheus

/// An application over an in-memory store with known keys in two workspaces.
struct TestServer {
    static let admin = "test-admin-key-0123456789"
    static let write = "test-write-key-0123456789"
    static let read = "test-read-key-0123456789"
    static let otherAdmin = "other-admin-key-0123456789"
    static let other = WorkspaceID(unchecked: "other")

    let store: SQLiteStore
    let clock = FixedClock()
    var limits = ServerLimits()
    /// Off unless a test sets it: most tests send more requests than a default burst.
    var rateLimit: RateLimit?
    var corsOrigins: [String] = []
    var tls: TLSConfiguration?
    /// The server's own event loops (`attune serve --event-loops`); `nil` shares NIO's.
    var eventLoops: Int?
    /// Customer-text settings and analyser; `nil` keeps the server's default (no sentiment).
    var texts = TextConfiguration()
    var textAnalyzer: TextAnalyzer?
    /// The rate limiter's clock; fixed, so that whether a request is limited never depends on timing.
    let monotonicNow = FixedMonotonicClock()
    /// Where trained models are looked for (a fresh folder per server).
    let dataDirectory: String
    /// What the server and its services log to.
    var logger = Logger(label: "test")
    /// Pseudonymisation of personal attributes; off unless a test sets it.
    var pii: PIIProtection?

    /// The keys hashing e-mail and phone identifiers; `nil` keeps the server's default (random).
    var identifierKeys: PIIKeys?

    init() throws {
        try self.init(store: SQLiteStore())
    }

    /// A server over `store` (a file-backed one, for tests that search the files).
    init(store: SQLiteStore) throws {
        self.store = store
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-server-\(UUID().uuidString)").path
    }

    func makeApplication() async throws -> some ApplicationProtocol {
        var configuration = ServerConfiguration()
        configuration.limits = limits
        configuration.rateLimit = rateLimit
        configuration.corsOrigins = corsOrigins
        configuration.tls = tls
        configuration.eventLoops = eventLoops
        return try buildApplication(configuration: configuration, dependencies: try await dependencies(), logger: logger)
    }

    /// The server's dependencies over the in-memory store, with the test keys installed.
    func dependencies() async throws -> ServerDependencies {
        let now = clock.now()
        try await store.ensureWorkspace(.default, at: now)
        try await store.ensureWorkspace(Self.other, at: now)
        for (key, workspace, scope) in [
            (Self.admin, WorkspaceID.default, AccessScope.admin), (Self.write, .default, .write), (Self.read, .default, .read),
            (Self.otherAdmin, Self.other, .admin),
        ] {
            try await store.addKey(APIKeyFactory.record(for: key, workspace: workspace, scope: scope, label: "test", now: now))
        }
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        var dependencies = ServerDependencies(
                store: store, keyring: keyring, clock: clock, registry: PrometheusCollectorRegistry(),
                writer: EventWriter(store: store, logger: logger),
                models: ModelRegistry(files: ModelFiles(dataDirectory: dataDirectory), logger: logger),
                modelPollInterval: .milliseconds(100))
        dependencies.streamRefreshInterval = .milliseconds(100)
        dependencies.texts = TextIngestion(
            store: store, clock: clock, analyzer: textAnalyzer ?? dependencies.texts.analyzer,
            names: dependencies.catalogueNames, configuration: texts)
        dependencies.pii = pii
        if let identifierKeys { dependencies.identifierKeys = identifierKeys }
        // Tests drive webhook delivery themselves, with a recording transport.
        dependencies.webhookInterval = nil
        let monotonic = monotonicNow
        dependencies.monotonicNow = { monotonic.nanoseconds }
        return dependencies
    }
}

/// Monotonic time that moves only when a test says so.
final class FixedMonotonicClock: Sendable {
    private let value = Locked<UInt64>(1_000_000_000)
    var nanoseconds: UInt64 { value.withLock { $0 } }
    func advance(seconds: Double) { value.withLock { $0 += UInt64(seconds * 1e9) } }
}

struct Reply: Sendable {
    var status: Int
    var json: JSONValue?
    var text: String
    var headers: HTTPFields

    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var errorField: String? { json?["error"]?["field"]?.stringValue }

    func number(_ key: String) -> Double? {
        if case .number(let n)? = json?[key] { return n }
        return nil
    }
}

extension TestClientProtocol {
    func call(
        _ method: HTTPRequest.Method, _ uri: String, key: String? = TestServer.admin, body: String? = nil,
        bytes: [UInt8]? = nil, contentType: String? = nil
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let contentType { headers[.contentType] = contentType }
        var buffer: ByteBuffer?
        if let body { buffer = ByteBuffer(string: body) }
        if let bytes { buffer = ByteBuffer(bytes: bytes) }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            let text = String(buffer: response.body)
            return Reply(status: Int(response.status.code), json: try? JSONParser().parse(text), text: text, headers: response.headers)
        }
    }
}
