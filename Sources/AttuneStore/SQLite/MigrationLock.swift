import AttuneCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Serialises schema migrations among the processes that open one database file.
///
/// GRDB's migrator reads which migrations are applied before it opens the transaction of each
/// one, so two processes starting together on a new data directory (`attune serve --role api`
/// beside `attune worker`) both ran the first migration, and the one that came second stopped
/// with `table ... already exists`. An exclusive `flock` on a file beside the database, held while
/// migrating, makes the second wait and then find everything applied. The kernel drops the lock
/// when its holder dies, so a process killed mid-migration blocks nobody.
enum MigrationLock {
    /// Runs `body` while holding the lock of the database at `databasePath`.
    static func withLock<T>(databasePath: String, _ body: () throws -> T) throws -> T {
        let path = databasePath + "-migration.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw AttuneError(code: .storage, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            let code = errno
            guard code == EINTR else {
                throw AttuneError(code: .storage, message: "cannot lock \(path): \(String(cString: strerror(code)))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
