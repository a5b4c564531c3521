import AttuneCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A held `flock`. It is lost only when the lock file is removed or replaced (someone cleaning the
/// data directory): another process would then lock the new file, so this one must stop.
package final class FileLockLeadership: Leadership {
    private let descriptor: Locked<Int32?>
    let path: String
    let checkInterval: Duration

    init(descriptor: Int32, path: String, checkInterval: Duration) {
        self.descriptor = Locked(descriptor)
        self.path = path
        self.checkInterval = checkInterval
    }

    deinit { close() }

    package func lost() async throws {
        while holdsPath() {
            try await Task.sleep(for: checkInterval)
        }
    }

    package func release() async { close() }

    /// Whether the locked file is still the one at `path`.
    func holdsPath() -> Bool {
        descriptor.withLock { held in
            guard let held else { return false }
            var open = stat()
            var named = stat()
            guard fstat(held, &open) == 0, stat(path, &named) == 0 else { return false }
            return open.st_dev == named.st_dev && open.st_ino == named.st_ino
        }
    }

    func recordProcessID() {
        descriptor.withLock { held in
            guard let held else { return }
            let text = Array("\(getpid())\n".utf8)
            guard ftruncate(held, 0) == 0 else { return }
            _ = text.withUnsafeBytes { pwrite(held, $0.baseAddress, $0.count, 0) }
        }
    }

    /// Closing the descriptor drops the lock.
    func close() {
        descriptor.withLock { held in
            if let open = held {
                #if canImport(Glibc)
                _ = Glibc.close(open)
                #else
                _ = Darwin.close(open)
                #endif
            }
            held = nil
        }
    }
}
