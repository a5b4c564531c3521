#if canImport(Glibc)
    import Glibc
#endif

/// Allocation of the large flat arrays of a vector index (vectors, level-0 lists).
///
/// A graph search touches a few thousand scattered rows of a table of tens of megabytes: with 4 KiB
/// pages nearly every row costs a TLB miss and a page walk. On Linux we ask the kernel for
/// transparent huge pages (2 MiB) on such arrays before their first write, which removes most of
/// those misses; it is only advice and is ignored where unsupported.
enum LargeArrayStorage {
    /// Arrays smaller than this are left alone: the gain needs many pages.
    static let threshold = 4 << 20

    /// A copy of `source` with room for at least `capacity` elements in storage advised as above.
    /// - Complexity: O(source.count).
    static func copy<T: BitwiseCopyable>(_ source: [T], reservingCapacity capacity: Int) -> [T] {
        let capacity = Swift.max(capacity, source.count)
        return [T](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            advise(UnsafeMutableRawBufferPointer(buffer))
            source.withUnsafeBufferPointer { src in
                if let from = src.baseAddress, let to = buffer.baseAddress {
                    to.initialize(from: from, count: src.count)
                }
            }
            initialized = source.count
        }
    }

    /// Makes sure `array` can grow to `count` elements without reallocating, moving it to advised
    /// storage (with geometric headroom) when it must grow and is large.
    static func reserve<T: BitwiseCopyable>(_ array: inout [T], count: Int) {
        guard count > array.capacity, count * MemoryLayout<T>.stride >= threshold else { return }
        array = copy(array, reservingCapacity: Swift.max(count, array.capacity * 3 / 2))
    }

    static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
            guard buffer.count >= threshold, let base = buffer.baseAddress else { return }
            let page = 4096
            let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
            let end = (Int(bitPattern: base) + buffer.count) & ~(page - 1)
            guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(pointer, end - start, MADV_HUGEPAGE)
        #endif
    }
}
