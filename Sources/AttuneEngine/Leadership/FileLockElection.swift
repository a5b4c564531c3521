import AttuneCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Leadership among the processes of one machine that share a data directory: an exclusive,
/// non-blocking `flock` on `worker.lock`, retried every `retryInterval` by the others. The kernel
/// drops the lock when its holder exits however it exits (`kill -9` included), so a waiting
/// process takes over within one retry. The lock belongs to an open file, not to a process, so
/// two electors in one process exclude each other too (the tests rely on it).
///
/// The leader's process id is written into the file, for an operator who wants to know who leads;
/// the lock, not the text, is what counts.
package struct FileLockElection: LeaderElection {
    /// The lock file's name inside a data directory.
    package static let fileName = "worker.lock"

    package let path: String
    let retryInterval: Duration

    /// - Throws: ``LeaderElectionError/Code/lockFileUnusable`` when the file cannot be created or
    ///   opened for writing, or cannot be locked at all (a file system without `flock`): better said
    ///   at start-up than waited on forever.
    package init(path: String, retryInterval: Duration = .seconds(1)) throws {
        self.path = path
        self.retryInterval = retryInterval
        // One attempt that does not wait, given up at once: another holder is fine, a file system
        // that refuses the lock itself (ENOLCK, EOPNOTSUPP, EINVAL) would refuse it forever.
        let descriptor = try Self.openLockFile(path)
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else { throw Self.lockError(path, code) }
        }
    }

    /// The election of the data directory at `dataDirectory`.
    package init(dataDirectory: String, retryInterval: Duration = .seconds(1)) throws {
        let separator = dataDirectory.hasSuffix("/") ? "" : "/"
        try self.init(path: dataDirectory + separator + Self.fileName, retryInterval: retryInterval)
    }

    package var name: String { path }

    /// One attempt that does not wait.
    /// - Returns: the term, or `nil` while another holds the lock.
    /// - Throws: ``LeaderElectionError`` when the file cannot be opened or locked at all.
    package func tryAcquire() throws -> FileLockLeadership? {
        let descriptor = try Self.openLockFile(path)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK || code == EINTR { return nil }
            throw Self.lockError(path, code)
        }
        let term = FileLockLeadership(descriptor: descriptor, path: path, checkInterval: retryInterval)
        // The file may have been removed or replaced between the open and the lock: the lock is
        // then on a file nobody else will open, and worth nothing.
        guard term.holdsPath() else {
            term.close()
            return nil
        }
        term.recordProcessID()
        return term
    }

    package func acquire() async throws -> any Leadership {
        try await acquire(afterEachRefusal: {})
    }

    /// ``acquire()``, calling `afterEachRefusal` each time another holds the lock (tests observe
    /// the wait by it).
    package func acquire(afterEachRefusal: @Sendable () -> Void) async throws -> FileLockLeadership {
        while true {
            try Task.checkCancellation()
            if let term = try tryAcquire() { return term }
            afterEachRefusal()
            try await Task.sleep(for: retryInterval)
        }
    }

    static func lockError(_ path: String, _ code: Int32) -> LeaderElectionError {
        LeaderElectionError(
            .lockFileUnusable,
            "cannot lock the leader lock file \(path): \(String(cString: strerror(code))) "
                + "(the data directory must be on a file system that supports flock, a local one)")
    }

    static func openLockFile(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            throw LeaderElectionError(
                .lockFileUnusable, "cannot open the leader lock file \(path): \(String(cString: strerror(code)))")
        }
        return descriptor
    }
}
