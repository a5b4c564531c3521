import AttuneCore
import AttunePostgres
import Logging
import PostgresNIO
import Testing

@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresMigrationTests {
    @Test func migratingTwiceAppliesEachMigrationOnce() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            let names = PostgresSchema.migrations.map(\.name)
            let first = try PostgresStore(configuration, logger: PostgresTestServer.logger)
            #expect(try await first.migrate() == names)
            #expect(try await first.migrate() == [])
            #expect(try await Self.recorded(configuration) == names.sorted())
        }
    }

    @Test func replicasMigratingAtOnceApplyEachMigrationOnce() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            // A slow first step keeps the lock held long enough that the others really wait;
            // `CREATE TABLE` without IF NOT EXISTS fails if a second replica runs it too.
            let migrations = [
                PostgresMigration("t1-slow", ["SELECT pg_sleep(0.3)", "CREATE TABLE once_only (id INT)"]),
                PostgresMigration("t2-more", ["CREATE TABLE also_once (id INT)"]),
            ]
            let stores = try (0..<4).map { _ in try PostgresStore(configuration, logger: PostgresTestServer.logger) }
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for store in stores { group.addTask { try await store.migrate(migrations) } }
                var all: [[String]] = []
                for try await names in group { all.append(names) }
                return all
            }
            // Every replica succeeded; between them each migration ran exactly once.
            #expect(applied.count == 4)
            #expect(applied.flatMap { $0 }.sorted() == ["t1-slow", "t2-more"])
            #expect(applied.filter { !$0.isEmpty }.count == 1)
            #expect(try await Self.recorded(configuration) == ["t1-slow", "t2-more"])
        }
    }

    @Test func aFailingMigrationKeepsTheStepsBeforeItAndIsRetriedNextTime() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            let store = try PostgresStore(configuration, logger: PostgresTestServer.logger)
            let good = PostgresMigration("t1-good", ["CREATE TABLE good (id INT)"])
            let bad = PostgresMigration("t2-bad", ["CREATE TABLE half (id INT)", "SELECT no_such_function()"])
            let error = await #expect(throws: AttuneError.self) { try await store.migrate([good, bad]) }
            #expect(error?.code == .storage)
            #expect(error?.message.contains("migration t2-bad failed") == true)
            #expect(error?.message.contains("42883") == true)
            #expect(try await Self.recorded(configuration) == ["t1-good"])
            // The failed step's transaction was rolled back whole: its first table is not there.
            let halfExists = try await PostgresTestServer.admin(configuration) { connection in
                var exists = false
                for try await (value) in try await connection.query(
                    "SELECT to_regclass('half') IS NOT NULL", logger: PostgresTestServer.logger
                ).decode(Bool.self) { exists = value }
                return exists
            }
            #expect(!halfExists)
            // The lock was released: a fixed list migrates.
            let fixed = PostgresMigration("t2-bad", ["CREATE TABLE half (id INT)"])
            #expect(try await store.migrate([good, fixed]) == ["t2-bad"])
        }
    }

    static func recorded(_ configuration: PostgresConfiguration) async throws -> [String] {
        try await PostgresTestServer.admin(configuration) { connection in
            var names: [String] = []
            let rows = try await connection.query("SELECT name FROM schema_migrations ORDER BY name", logger: PostgresTestServer.logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }
}
