#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random bits from the system's secure generator, fetched 4 KiB at a time. Identifiers drawn on
/// every request (each recommendation list has one) then cost a lock, not two system calls;
/// none of them is a secret, so holding the next few hundred in memory gives nothing away.
package enum RandomBits {
    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: 4_096)
        var used = 4_096
    }

    private static let pool = Locked(Pool())

    /// 128 fresh random bits.
    package static func next128() -> (high: UInt64, low: UInt64) {
        pool.withLock { pool in
            if pool.used + 16 > pool.bytes.count {
                pool.bytes.withUnsafeMutableBytes { fill($0) }
                pool.used = 0
            }
            let at = pool.used
            pool.used += 16
            return pool.bytes.withUnsafeBytes {
                ($0.loadUnaligned(fromByteOffset: at, as: UInt64.self), $0.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self))
            }
        }
    }

    /// glibc 2.36 and later and Darwin: one `getrandom` (or the system's equivalent) per fill.
    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        arc4random_buf(buffer.baseAddress!, buffer.count)
    }
}
