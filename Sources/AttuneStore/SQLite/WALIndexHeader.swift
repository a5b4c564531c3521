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

    /// The header at `region`, or `nil` while a writer is between its two copies, or when the
    /// region does not hold an initialised header of the known format.
    static func read(_ region: UnsafeRawPointer) -> WALIndexHeader? {
        let first = WALIndexHeader(region)
        let second = WALIndexHeader(region + size)
        guard first == second,
            region.load(as: UInt32.self) == formatVersion,
            region.load(fromByteOffset: 12, as: UInt8.self) == 1  // isInit
        else { return nil }
        return first
    }

    private init(_ base: UnsafeRawPointer) {
        head = SIMD4(
            base.load(fromByteOffset: 0, as: UInt64.self), base.load(fromByteOffset: 8, as: UInt64.self),
            base.load(fromByteOffset: 16, as: UInt64.self), base.load(fromByteOffset: 24, as: UInt64.self))
        tail = SIMD2(base.load(fromByteOffset: 32, as: UInt64.self), base.load(fromByteOffset: 40, as: UInt64.self))
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
