import AttuneCore
import AttunePostgres
import Foundation
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL server the tests use: `ATTUNE_TEST_POSTGRES_URL` (set by `.ci/run`, or by
/// `source .ci/postgres.sh && start_test_postgres`). Without it the PostgreSQL tests are skipped.
enum PostgresTestServer {
    static let variable = "ATTUNE_TEST_POSTGRES_URL"
    static let skipMessage: Comment = "ATTUNE_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped (see README, Tests)"

    static var isConfigured: Bool { ProcessInfo.processInfo.environment[variable].map { !$0.isEmpty } ?? false }

    static func configuration() throws -> PostgresConfiguration {
        try PostgresConfiguration(url: ProcessInfo.processInfo.environment[variable] ?? "")
    }

    static let logger: Logger = {
        var logger = Logger(label: "attune.postgres.tests")
        // ATTUNE_TEST_LOG_LEVEL=trace shows the store's retries and postgres-nio's connection states.
        logger.logLevel = ProcessInfo.processInfo.environment["ATTUNE_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// Runs `body` with a database of its own, created for it and dropped after, so that tests
    /// run in parallel without seeing each other's rows.
    static func withFreshDatabase<Result: Sendable>(_ body: (PostgresConfiguration) async throws -> Result) async throws -> Result {
        await slots.acquire()
        do {
            let result = try await withFreshDatabaseNow(body)
            await slots.release()
            return result
        } catch {
            await slots.release()
            throw error
        }
    }

    /// How many tests hold a database at once. The tests run in parallel and each opens a pool
    /// (some two stores, a listener and an admin connection besides): run all at once, they
    /// passed the server's `max_connections` and failed with "too many clients". The wait for a
    /// slot counts against a test's time limit, so the PostgreSQL tests' limits allow for it.
    static let slots = TestSlots(24)

    private static func withFreshDatabaseNow<Result: Sendable>(
        _ body: (PostgresConfiguration) async throws -> Result
    ) async throws -> Result {
        let server = try configuration()
        // Only letters and digits: the name is spliced into DDL, which takes no parameters.
        let name = "attune_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        do {
            let result = try await body(server.with(database: name))
            try await drop(name, on: server)
            return result
        } catch {
            try? await drop(name, on: server)
            throw error
        }
    }

    /// The tests' store options: a longer deadline than production's 10 s. The whole suite runs
    /// in parallel against one server on a small machine, where an operation waiting its turn is
    /// not a failure; tests of deadlines and retries set their own. Consent memory is trusted for
    /// two minutes, not 15 s: a starved run can hold back the background comparisons that long,
    /// and the test of staleness itself sets its own limit.
    static let options = PostgresStore.Options(operationTimeout: .seconds(30), consentMaxStaleness: .seconds(120))

    /// A fresh database with the schema migrated and no store running: for what opens connections
    /// of its own (an elector raises the schema's term counter when it takes the lock).
    static func withMigratedDatabase<Result: Sendable>(_ body: (PostgresConfiguration) async throws -> Result) async throws -> Result {
        try await withFreshDatabase { configuration in
            try await PostgresStore(configuration, options: options, logger: logger).migrate()
            return try await body(configuration)
        }
    }

    /// A fresh database with a migrated store running on it.
    static func withFreshStore<Result: Sendable>(
        options: PostgresStore.Options = Self.options, _ body: (PostgresStore) async throws -> Result
    ) async throws -> Result {
        try await withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: options, logger: logger, body)
        }
    }

    /// A plain connection (outside any store) to `configuration`'s database, for setting up
    /// states the store cannot produce by itself.
    @discardableResult
    static func admin<Result: Sendable>(
        _ configuration: PostgresConfiguration, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.user,
                password: configuration.password, database: configuration.database, tls: .disable),
            id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func drop(_ name: String, on server: PostgresConfiguration) async throws {
        try await admin(server) { connection in
            // FORCE ends the store's pooled connections that may still be closing.
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }
}

/// A counting semaphore for tests: `acquire` waits, in arrival order, while every slot is taken.
actor TestSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) {
        free = count
    }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
