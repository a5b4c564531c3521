import AttuneCore
import Foundation
import GRDB

/// The embedded store: one SQLite database in WAL mode.
///
/// Writes are serialised by SQLite; with `durability == .full` every commit is fsynced before
/// `append` returns, so an acknowledged event survives a crash of the process or of the machine.
package final class SQLiteStore: Sendable {
    package enum Durability: String, Sendable, CaseIterable {
        /// fsync the WAL on every commit: survives power loss.
        case full
        /// fsync at checkpoints only: survives a killed process, not a power cut.
        case normal
    }

    package let writer: any DatabaseWriter
    /// Whether appends also fold events into user profiles (off only to measure what that costs).
    package let maintainsProfiles: Bool
    let workspaceKeys = Locked<[WorkspaceID: Int64]>([:])
    /// Each workspace's rule segments with the generation they were compiled at: ingestion parses
    /// rules only after a segment write (in this process or another one) bumps the generation.
    let segmentRuleCache = Locked<[Int64: (generation: Int64, rules: SegmentRuleSet)]>([:])
    /// Each workspace's consent decisions, for checks on every append and recommendation.
    let consentCache = Locked<[Int64: ConsentCacheEntry]>([:])
    /// Opens pseudonymised declared values for segment rules; `nil` leaves them protected.
    let declaredValueReveal = Locked<(@Sendable (JSONValue) -> JSONValue)?>(nil)
    /// The per-user reads of every recommendation request, until the database changes.
    let servingCache: ServingReadCache

    /// Entries of the serving read cache and their estimated bytes (at most its bound).
    package var servingCacheUsage: (entries: Int, bytes: Int) { servingCache.usage }
    /// Read-only connections used only by ``readNow(_:)``; `nil` for an in-memory database.
    private let directReaders: DatabasePool?

    /// Opens (creating if needed) the database file at `path` and migrates it.
    /// - Parameter servingCacheBytes: the bound of the per-user serving read cache
    ///   (``ServingReadCache``), in estimated bytes.
    package init(
        path: String, durability: Durability = .full, profiles: Bool = true,
        servingCacheBytes: Int = ServingReadCache.defaultCapacity
    ) throws {
        maintainsProfiles = profiles
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Larger pages make the random-order index B-trees shallower (about +30% inserts/s
            // measured here); it only takes effect when the file is created.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // The id and user indexes take random-order inserts; a page cache that holds them and
            // memory-mapped reads keep ingestion off the pread path.
            try db.execute(sql: "PRAGMA cache_size = -131072")
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Deleted rows are overwritten with zeros, not left in free space: after an erasure
            // and a checkpoint the person's data is gone from the files, not merely unlinked.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Fewer, larger checkpoints: each one is an fsync of the main file.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192") }
        self.writer = pool
        // Only a database that needs migrating takes the lock: a process that opens a migrated
        // one (most start-ups, every `attune` command beside a running server) never waits.
        if try !pool.read({ db in try SQLiteSchema.migrator.hasCompletedMigrations(db) }) {
            try MigrationLock.withLock(databasePath: path) { try SQLiteSchema.migrator.migrate(pool) }
        }
        servingCache = ServingReadCache(probe: DatabaseChangeProbe(path: path, writer: pool), capacity: servingCacheBytes)
        var direct = Configuration()
        direct.readonly = true
        direct.busyMode = .timeout(10)
        // Deep enough that the two cooperative threads, even with one nested read each, never
        // wait for each other.
        direct.maximumReaderCount = 6
        // No memory map here: a read transaction that finds the WAL changed since its last one
        // unmaps the whole file and maps it again (SQLite's pagerBeginReadTransaction), and with
        // an audit row committed by every profile read, that was a munmap + mmap of the 700 MB
        // database per request (strace: about 200 a second at 200 reads a second), with the TLB
        // shootdowns and page faults that follow. Reads through the page cache cost less.
        direct.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -32768")
            try db.execute(sql: "PRAGMA mmap_size = 0")
        }
        directReaders = try DatabasePool(path: path, configuration: direct)
    }

    /// A private in-memory database, for tests and dry runs.
    package init(servingCacheBytes: Int = ServingReadCache.defaultCapacity) throws {
        maintainsProfiles = true
        let queue = try DatabaseQueue()
        self.writer = queue
        try SQLiteSchema.migrator.migrate(queue)
        servingCache = ServingReadCache(probe: DatabaseChangeProbe(path: nil, writer: queue), capacity: servingCacheBytes)
        directReaders = nil
    }

    /// A read on the calling thread. For the short indexed reads of the serving path: the async
    /// `read` hops to a dispatch queue and back, and under load those two thread switches cost
    /// more than the query.
    ///
    /// It uses connections of its own. On the writer's pool a blocked `readNow` could wait for a
    /// reader held by an async read, which gives its reader back only when it resumes on the
    /// cooperative pool, whose threads were all blocked here: 64 concurrent profile reads hung the
    /// server that way. Here every reader is given back by a `readNow` that is already running.
    func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        if let directReaders { return try directReaders.read(body) }
        return try writer.read(body)
    }

    /// Rows of `SELECT columns FROM table WHERE workspace = ? AND key IN (ids)`, in chunks that
    /// stay under SQLite's bound-parameter limit, each handed to `body`.
    static func forEachRow(
        _ db: Database, select columns: String, from table: String, key column: String, workspace: Int64,
        in ids: [String], _ body: (Row) throws -> Void
    ) throws {
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            var arguments: [any DatabaseValueConvertible] = [workspace]
            for id in chunk { arguments.append(id) }
            // Cached: identity resolution runs this per user, and compiling it costs more than the read.
            let rows = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT \(columns) FROM \(table) WHERE workspace = ? AND \(column) IN (\(marks))"),
                arguments: StatementArguments(arguments))
            while let row = try rows.next() { try body(row) }
        }
    }

    /// The row key of a workspace, cached; `nil` if it does not exist.
    func workspaceKey(_ id: WorkspaceID, _ db: Database) throws -> Int64? {
        if let cached = workspaceKeys.withLock({ $0[id] }) { return cached }
        guard let key = try Int64.fetchOne(db, sql: "SELECT pk FROM workspaces WHERE name = ?", arguments: [id.rawValue])
        else { return nil }
        workspaceKeys.withLock { $0[id] = key }
        return key
    }

    func requireWorkspace(_ id: WorkspaceID, _ db: Database) throws -> Int64 {
        guard let key = try workspaceKey(id, db) else { throw AttuneError.notFound("workspace") }
        return key
    }

    /// Copies the WAL into the main file so that the files on disk hold everything.
    package func checkpoint() async throws {
        try await writer.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
    }
}
