import CAttuneIntrinsics
import GRDBSQLite

/// The header of a WAL database's wal-index (its `-shm` file), read straight from SQLite's own
/// shared mapping of it: a memory read, where asking SQLite takes a read transaction (two
/// `fcntl` calls and a statement step).
///
/// Every commit, by any connection of any process, rewrites this header (its change counter,
/// last frame and checksum), and writes it before the commit returns. A header equal to one read
/// earlier therefore means nothing was committed in between. The converse does not hold (a
/// checkpoint restarting the log also rewrites it), which only costs the caller an exact check.
///
/// The layout is SQLite's documented wal-index format (version 3007000, unchanged since WAL
/// first shipped): two copies of a 48-byte header, the second written first. Only a header whose
/// copies agree, that is initialised and of that version, is returned.
struct WALIndexHeader: Equatable, Sendable {
    static let size = 48
    static let formatVersion: UInt32 = 3_007_000
    /// SQLite maps the wal-index in pages of this size (`WALINDEX_PGSZ`).
    static let pageSize: Int32 = 32_768

    private var head: SIMD4<UInt64>
    private var tail: SIMD2<UInt64>

    /// `iVersion`, the 32-bit field at offset 0 (native byte order, as SQLite writes it).
    private var version: UInt32 { withUnsafeBytes(of: head[0]) { $0.load(as: UInt32.self) } }
    /// `isInit`, the byte at offset 12.
    private var isInitialised: Bool { withUnsafeBytes(of: head[1]) { $0[4] } == 1 }

    /// The header at `region`, or `nil` while a writer is between its two copies, or when the
    /// region does not hold an initialised header of the known format.
    static func read(_ region: UnsafeRawPointer) -> WALIndexHeader? {
        let first = WALIndexHeader(region)
        let second = WALIndexHeader(region + size)
        guard first == second, first.version == formatVersion, first.isInitialised else { return nil }
        return first
    }

    /// The header copy at `base`, word by word as atomic loads: SQLite writes it with plain
    /// stores from any process, and the copies are compared afterwards, as SQLite's readers do.
    private init(_ base: UnsafeRawPointer) {
        func word(_ offset: Int) -> UInt64 { UInt64(attune_load_shared_u64(base + offset)) }
        head = SIMD4(word(0), word(8), word(16), word(24))
        tail = SIMD2(word(32), word(40))
    }

    /// SQLite's mapping of the first wal-index page of `connection`'s main database, or `nil`
    /// when the database is not in WAL mode or its file layer has no shared memory. The mapping
    /// lives as long as the connection.
    ///
    /// Call it only after the connection has read the database in WAL mode: asking a connection
    /// that has not opened the wal-index would make SQLite open (and create) it.
    static func region(of connection: OpaquePointer) -> UnsafeRawPointer? {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(connection, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
            let file, let methods = file.pointee.pMethods, methods.pointee.iVersion >= 2,
            let map = methods.pointee.xShmMap
        else { return nil }
        var region: UnsafeMutableRawPointer?
        // Not extending: an existing mapping or none.
        guard map(file, 0, pageSize, 0, &region) == SQLITE_OK, let region else { return nil }
        return UnsafeRawPointer(region)
    }
}
