#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that threads share behind a pthread mutex.
///
/// Why not `Synchronization.Mutex`: on Linux its futex wait and wake live in the standard
/// library, which is not built with Thread Sanitizer, so the sanitizer sees no ordering between
/// two `withLock` calls and reports every contended one as a Swift access race. Four threads
/// counting through a `Mutex` were reported; the same counter behind a pthread mutex, which the
/// sanitizer intercepts, was not, and both counted right. A false report on every lock would
/// drown a real race, and uncontended the two cost about the same.
package final class Locked<Value> {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock; do not call back into the same lock.
    package func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

extension Locked: @unchecked Sendable where Value: Sendable {}
