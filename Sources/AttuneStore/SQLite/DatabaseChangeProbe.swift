import AttuneCore
import GRDB
import GRDBSQLite

/// Tells whether anything was committed to the database since it was last asked, by any
/// connection of this process or of another one (an `attune import` while the server runs).
///
/// A file database is watched through a connection of its own with `PRAGMA data_version`, which
/// SQLite changes whenever another connection commits: one prepared statement and no table read.
/// That still takes a read transaction, whose two `fcntl` calls and lock cost 10 to 30 µs per
/// request inside a loaded server. So the answer is kept with the wal-index header read just
/// before it (``WALIndexHeader``), and while the header in shared memory is unchanged, that
/// answer stands without asking SQLite. An in-memory database has one connection, whose
/// `total_changes` moves on every row written.
package final class DatabaseChangeProbe: Sendable {
    /// The watching connection and its prepared statement; only used under the lock, which is
    /// what makes handing it between threads safe.
    private final class Watcher: @unchecked Sendable {
        let connection: OpaquePointer
        let statement: OpaquePointer
        /// SQLite's mapping of the wal-index, valid while `connection` is open; `nil` for a
        /// database not in WAL mode. Set once, so it may be read without the lock.
        let walIndex: UnsafeRawPointer?
        /// `PRAGMA data_version` steps made (under the lock), for tests.
        var steps = 0

        init(connection: OpaquePointer, statement: OpaquePointer) {
            self.connection = connection
            self.statement = statement
            // The first step opens the wal-index of a WAL database; only then may it be asked
            // for. In exclusive locking mode SQLite keeps the wal-index in heap memory instead,
            // and asking for the shared one would open it behind SQLite's back.
            let mappable =
                Self.pragma("journal_mode", of: connection) == "wal" && Self.pragma("locking_mode", of: connection) == "normal"
                && Self.dataVersion(statement) != nil
            walIndex = mappable ? WALIndexHeader.region(of: connection) : nil
        }

        /// `PRAGMA data_version`, or `nil` when the step fails.
        func dataVersion() -> Int64? {
            steps += 1
            return Self.dataVersion(statement)
        }

        private static func dataVersion(_ statement: OpaquePointer) -> Int64? {
            sqlite3_reset(statement)
            defer { sqlite3_reset(statement) }
            guard sqlite3_step(statement) == SQLITE_ROW else { return nil }
            return sqlite3_column_int64(statement, 0)
        }

        /// The text a `PRAGMA name` answers, or `nil`.
        private static func pragma(_ name: String, of connection: OpaquePointer) -> String? {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(connection, "PRAGMA \(name)", -1, &statement, nil) == SQLITE_OK, let statement else {
                return nil
            }
            defer { sqlite3_finalize(statement) }
            guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return nil }
            return String(cString: text)
        }

        deinit {
            sqlite3_finalize(statement)
            sqlite3_close_v2(connection)
        }
    }

    /// An exact answer and the wal-index header read just before it.
    private struct Known: Sendable {
        var header: WALIndexHeader
        var stamp: Int64
    }

    /// `nil` for a database without a file: then `writer` is its only connection.
    private let watcher: Locked<Watcher?>
    /// The watcher again, outside the lock, for its wal-index mapping: held here, so the
    /// connection (and with it the mapping) lives as long as the probe.
    private let mappingOwner: Watcher?
    private let known = Locked<Known?>(nil)
    private let writer: any DatabaseWriter
    /// A file database whose watcher could not be opened: `total_changes` on a pool reader never
    /// moves, so nothing can be known and nothing may be cached.
    private let blind: Bool

    /// A probe of the database file at `path`, or of `writer` itself when it has no file.
    package init(path: String?, writer: any DatabaseWriter) {
        self.writer = writer
        let opened = path.flatMap(Self.open)
        blind = path != nil && opened == nil
        mappingOwner = opened
        watcher = Locked(opened)
    }

    private static func open(_ path: String) -> Watcher? {
        var connection: OpaquePointer?
        guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
            let connection
        else {
            sqlite3_close_v2(connection)
            return nil
        }
        sqlite3_busy_timeout(connection, 10_000)
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, "PRAGMA data_version", -1, &statement, nil) == SQLITE_OK, let statement else {
            sqlite3_close_v2(connection)
            return nil
        }
        return Watcher(connection: connection, statement: statement)
    }

    /// A value that differs from every earlier one once anything has been committed since;
    /// `nil` when the database cannot tell (then nothing may be trusted from a cache).
    package func stamp() -> Int64? {
        let walIndex = mappingOwner?.walIndex
        if let walIndex, let header = WALIndexHeader.read(walIndex),
            let stamp = known.withLock({ $0?.header == header ? $0?.stamp : nil })
        {
            return stamp
        }
        let watched = watcher.withLock { watcher -> Int64?? in
            guard let w = watcher else { return .none }
            // Read before the step: a commit after this read changes the header, so the pair
            // never vouches for a state older than the answer.
            let header = walIndex.flatMap(WALIndexHeader.read)
            guard let value = w.dataVersion() else { return .some(nil) }
            if let header { known.withLock { $0 = Known(header: header, stamp: value) } }
            return .some(value)
        }
        if let watched { return watched }
        if blind { return nil }
        return try? writer.read { db in sqlite3_total_changes64(db.sqliteConnection) }
    }

    /// How many times SQLite itself was asked (tests check the shared-memory path is taken).
    package var exactProbeCount: Int { watcher.withLock { $0?.steps ?? 0 } }
}
