import CAttuneIntrinsics

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

    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard attune_random_fill(buffer.baseAddress!, UInt(buffer.count)) == 0 else {
            // Only a kernel without getrandom (before Linux 3.17) gets here: the standard
            // library's generator, which has its own fallback, word by word.
            var generator = SystemRandomNumberGenerator()
            for offset in stride(from: 0, to: buffer.count, by: 8) {
                buffer.storeBytes(of: generator.next() as UInt64, toByteOffset: offset, as: UInt64.self)
            }
            return
        }
    }
}
