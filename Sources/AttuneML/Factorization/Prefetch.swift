/// LLVM's target-independent prefetch intrinsic: `prefetcht0` on x86-64, `prfm pldl1keep` on
/// arm64, nothing on a target without one. Swift has no prefetch API; a plain load would stall
/// the core until its data arrives, which is what a prefetch avoids. The last three arguments
/// must be constants: read (0), keep in all cache levels (3), data cache (1).
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ dataCache: Int32)

/// Hints that memory will be read soon; never faults, even on an address outside any allocation.
enum Prefetch {
    /// The cache line holding `address`.
    @inline(__always)
    static func line<T>(_ address: UnsafePointer<T>) {
        llvmPrefetch(UnsafeRawPointer(address), 0, 3, 1)
    }

    /// The cache line holding `address`.
    @inline(__always)
    static func line<T>(_ address: UnsafeMutablePointer<T>) {
        llvmPrefetch(UnsafeRawPointer(address), 0, 3, 1)
    }

    /// Every 64-byte line that `bytes` bytes from `address` overlap.
    @inline(__always)
    static func lines<T>(_ address: UnsafeMutablePointer<T>, bytes: Int) {
        let end = UInt(bitPattern: address) &+ UInt(bytes)
        var line = UInt(bitPattern: address) & ~63
        while line < end {
            llvmPrefetch(UnsafeRawPointer(bitPattern: line)!, 0, 3, 1)
            line &+= 64
        }
    }
}
