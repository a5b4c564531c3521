import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Logging
import PostgresNIO
import Testing

/// An unreachable server, refused credentials and a connection that dies mid-request: each is a
/// clear `storage_error`, after bounded retries where a retry can help; never a crash or a hang.
struct PostgresFailureTests {
    static let quick = PostgresStore.Options(attempts: 2, operationTimeout: .seconds(2), retryDelay: .milliseconds(50))
    /// For answers the server gives at once (a refused password, a missing database, a killed
    /// backend): a deadline the whole suite running on two loaded cores cannot reach, so that the
    /// test sees the server's answer and not a timeout.
    static let patient = PostgresStore.Options(attempts: 2, operationTimeout: .seconds(60), retryDelay: .milliseconds(50))

    /// A local port with nobody listening: bound by the kernel's choice, then closed.
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }

    @Test func anUnreachableServerIsReportedWithTheReasonAfterRetries() async throws {
        let port = try await Self.closedPort()
        let configuration = PostgresConfiguration(host: "127.0.0.1", port: port, user: "attune", password: "pw-never-shown", database: "db")
        let store = try PostgresStore(configuration, options: Self.quick, logger: PostgresTestServer.logger)
        let error = await #expect(throws: AttuneError.self) { try await store.migrate() }
        #expect(error?.code == .storage)
        let message = error?.message ?? ""
        #expect(message.contains("127.0.0.1:\(port)/db"))
        #expect(message.contains("connect failed after 2 attempts"))
        #expect(message.lowercased().contains("refused"))
        #expect(!message.contains("pw-never-shown"))
    }

    @Test func aRequestToAnUnreachableServerEndsAtItsDeadline() async throws {
        let port = try await Self.closedPort()
        let configuration = PostgresConfiguration(host: "127.0.0.1", port: port, user: "attune", password: "pw-never-shown", database: "db")
        let options = PostgresStore.Options(attempts: 2, operationTimeout: .milliseconds(500), retryDelay: .milliseconds(50))
        let store = try PostgresStore(configuration, options: options, logger: PostgresTestServer.logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            let error = await #expect(throws: AttuneError.self) {
                try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
            }
            #expect(error?.code == .storage)
            #expect(error?.message.contains("append events failed after 2 attempts") == true)
            #expect(error?.message.contains("no connection or answer within") == true)
            #expect(error?.message.contains("pw-never-shown") == false)
        }
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
    func aWrongPasswordIsRefusedAtOnceWithoutRetrying() async throws {
        var configuration = try PostgresTestServer.configuration()
        configuration.password = "definitely-not-the-password"
        let store = try PostgresStore(configuration, options: Self.patient, logger: PostgresTestServer.logger)
        let error = await #expect(throws: AttuneError.self) { try await store.migrate() }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("refused the user or password (SQLSTATE 28P01)") == true)
        #expect(error?.message.contains("attempts") == false)
        #expect(error?.message.contains("definitely-not-the-password") == false)
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
    func aMissingDatabaseIsNamed() async throws {
        let configuration = try PostgresTestServer.configuration().with(database: "attune_no_such_database")
        let store = try PostgresStore(configuration, options: Self.patient, logger: PostgresTestServer.logger)
        let error = await #expect(throws: AttuneError.self) { try await store.migrate() }
        #expect(error?.message.contains("the database does not exist (SQLSTATE 3D000)") == true)
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
    func aConnectionKilledMidAppendIsRetriedAndStoresEachEventOnce() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: Self.patient, logger: PostgresTestServer.logger) { store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                let events = (0..<100).map { Fixtures.event(UInt64($0)) }
                let result = try await Self.killingTheAppendMidway(configuration) {
                    try await store.append([EventBatch(workspace: .default, events: events)])
                }
                // The killed attempt was rolled back; the retry stored everything, once.
                #expect(result == [AppendResult(inserted: 100, duplicates: 0)])
                #expect(try await store.stats(of: .default).events == 100)
                #expect(try await store.events(in: .default, after: nil, limit: 1_000).count == 100)
            }
        }
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
    func aConnectionKilledMidAppendWithoutRetriesIsAClearErrorAndStoresNothing() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            let once = PostgresStore.Options(attempts: 1, operationTimeout: .seconds(10))
            try await PostgresStore.withStore(configuration, options: once, logger: PostgresTestServer.logger) { store in
                try await store.ensureWorkspace(.default, at: Fixtures.now)
                let events = (0..<100).map { Fixtures.event(UInt64($0)) }
                let error = await #expect(throws: AttuneError.self) {
                    try await Self.killingTheAppendMidway(configuration) {
                        try await store.append([EventBatch(workspace: .default, events: events)])
                    }
                }
                #expect(error?.code == .storage)
                #expect(error?.message.contains("append events failed") == true)
                #expect(error?.message.contains("SQLSTATE 57P01") == true || error?.message.contains("connection was closed") == true)
                #expect(try await store.stats(of: .default).events == 0)
                // The pool replaced the dead connection: the store works again.
                #expect(try await store.append([EventBatch(workspace: .default, events: events)]) == [AppendResult(inserted: 100)])
            }
        }
    }

    /// Runs `operation` while another session holds an exclusive lock on `events`, waits until
    /// the store's backend is blocked on that lock (mid-request, inside its transaction),
    /// terminates that backend as an operator or a failover would, then releases the lock.
    static func killingTheAppendMidway<Result: Sendable>(
        _ configuration: PostgresConfiguration, _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let logger = PostgresTestServer.logger
        return try await PostgresTestServer.admin(configuration) { admin in
            try await admin.query("BEGIN", logger: logger)
            try await admin.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE", logger: logger)
            let task = Task { try await operation() }
            var victim: Int32?
            for _ in 0..<400 where victim == nil {
                let rows = try await admin.query(
                    """
                    SELECT pid FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
                    """, logger: logger)
                for try await pid in rows.decode(Int32.self) { victim = pid }
                if victim == nil { try await Task.sleep(for: .milliseconds(25)) }
            }
            let pid = try #require(victim, "the append never blocked on the lock")
            try await admin.query("SELECT pg_terminate_backend(\(pid))", logger: logger)
            try await admin.query("ROLLBACK", logger: logger)
            return try await task.value
        }
    }
}
