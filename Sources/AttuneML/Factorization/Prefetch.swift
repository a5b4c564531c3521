import CAttuneIntrinsics

/// Hints that memory will be read soon; never faults, even on an address outside any allocation.
/// A plain load would stall the core until its data arrives, which is what a prefetch avoids.
package enum Prefetch {
    /// The cache line holding `address`.
    @inline(__always)
    package static func line<T>(_ address: UnsafePointer<T>) {
        attune_prefetch_read(UnsafeRawPointer(address))
    }

    /// The cache line holding `address`.
    @inline(__always)
    static func line<T>(_ address: UnsafeMutablePointer<T>) {
        attune_prefetch_read(UnsafeRawPointer(address))
    }

    /// Every 64-byte line that `bytes` bytes from `address` overlap.
    @inline(__always)
    static func lines<T>(_ address: UnsafeMutablePointer<T>, bytes: Int) {
        lines(UnsafePointer(address), bytes: bytes)
    }

    /// Every 64-byte line that `bytes` bytes from `address` overlap.
    @inline(__always)
    package static func lines<T>(_ address: UnsafePointer<T>, bytes: Int) {
        let end = UInt(bitPattern: address) &+ UInt(bytes)
        var line = UInt(bitPattern: address) & ~63
        while line < end {
            attune_prefetch_read(UnsafeRawPointer(bitPattern: line))
            line &+= 64
        }
    }
}
