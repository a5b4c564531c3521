import AttuneCore
import GRDB
import GRDBSQLite

/// Tells whether anything was committed to the database since it was last asked, by any
/// connection of this process or of another one (an `attune import` while the server runs).
///
/// A file database is watched through a connection of its own with `PRAGMA data_version`, which
/// SQLite changes whenever another connection commits: one prepared statement and no table read,
/// a few microseconds. An in-memory database has one connection, whose `total_changes` moves on
/// every row written.
final class DatabaseChangeProbe: Sendable {
    /// The watching connection and its prepared statement; only used under the lock, which is
    /// what makes handing it between threads safe.
    private final class Watcher: @unchecked Sendable {
        let connection: OpaquePointer
        let statement: OpaquePointer

        init(connection: OpaquePointer, statement: OpaquePointer) {
            self.connection = connection
            self.statement = statement
        }

        deinit {
            sqlite3_finalize(statement)
            sqlite3_close_v2(connection)
        }
    }

    /// `nil` for a database without a file: then `writer` is its only connection.
    private let watcher: Locked<Watcher?>
    private let writer: any DatabaseWriter
    /// A file database whose watcher could not be opened: `total_changes` on a pool reader never
    /// moves, so nothing can be known and nothing may be cached.
    private let blind: Bool

    /// A probe of the database file at `path`, or of `writer` itself when it has no file.
    init(path: String?, writer: any DatabaseWriter) {
        self.writer = writer
        let opened = path.flatMap(Self.open)
        blind = path != nil && opened == nil
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
    func stamp() -> Int64? {
        let watched = watcher.withLock { watcher -> Int64?? in
            guard let w = watcher else { return .none }
            sqlite3_reset(w.statement)
            guard sqlite3_step(w.statement) == SQLITE_ROW else { return .some(nil) }
            let value = sqlite3_column_int64(w.statement, 0)
            sqlite3_reset(w.statement)
            return .some(value)
        }
        if let watched { return watched }
        if blind { return nil }
        return try? writer.read { db in sqlite3_total_changes64(db.sqliteConnection) }
    }
}
