import Dispatch

/// Runs work over `0..<count` split into contiguous chunks on up to `threads` threads.
package enum ParallelRange {
    /// Calls `body(chunkIndex, range)` once per chunk; chunks are disjoint, cover `0..<count`, and
    /// are contiguous so each worker opens its buffers once and walks memory in order.
    ///
    /// - Parameters:
    ///   - count: the number of items.
    ///   - threads: the parallelism; `1` runs inline on the caller's thread (deterministic order).
    ///   - chunksPerThread: more than one evens out uneven rows (long users, popular items).
    ///   - body: must only write to state owned by its range or its chunk.
    package static func forEachChunk(
        count: Int, threads: Int, chunksPerThread: Int = 4,
        _ body: @Sendable (_ chunk: Int, _ range: Range<Int>) -> Void
    ) {
        if count == 0 { return }
        let threads = Swift.max(1, threads)
        if threads == 1 {
            body(0, 0..<count)
            return
        }
        let chunks = Swift.min(count, threads * Swift.max(1, chunksPerThread))
        let base = count / chunks
        let extra = count % chunks
        // concurrentPerform runs `chunks` tasks on the global pool, at most one per core.
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * base + Swift.min(chunk, extra)
            let end = start + base + (chunk < extra ? 1 : 0)
            body(chunk, start..<end)
        }
    }

    /// `transform(i)` for every `i` in `0..<count`, in order, computed in parallel chunks.
    package static func map<T: Sendable>(
        count: Int, threads: Int, _ transform: @Sendable (Int) -> T
    ) -> [T] {
        var out = [T?](repeating: nil, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let shared = SharedMutablePointer(base)
            forEachChunk(count: count, threads: threads) { _, range in
                for i in range { shared.base[i] = transform(i) }
            }
        }
        return out.map { $0! }
    }

    /// The number of chunks `forEachChunk` will use, for sizing per-chunk scratch space.
    package static func chunkCount(count: Int, threads: Int, chunksPerThread: Int = 4) -> Int {
        if count == 0 { return 0 }
        return threads <= 1 ? 1 : Swift.min(count, threads * Swift.max(1, chunksPerThread))
    }
}

/// A raw pointer that may cross into the workers of ``ParallelRange``.
///
/// `@unchecked Sendable` is safe here because every user writes only the disjoint region owned by
/// its chunk (rows of a factor matrix, slots of a result array) and the caller keeps the
/// underlying storage alive and un-moved until `forEachChunk` returns. The one deliberate
/// exception is BPR's lock-free SGD, whose workers may update the same factor row at once; the
/// algorithm tolerates those lost updates (see ``BPR``).
package struct SharedMutablePointer<Element>: @unchecked Sendable {
    package let base: UnsafeMutablePointer<Element>
    package init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
}

/// A read-only raw pointer that may cross into the workers of ``ParallelRange``.
///
/// `@unchecked Sendable` is safe because the pointee is not written while workers run and the
/// caller keeps the storage alive until `forEachChunk` returns.
package struct SharedPointer<Element>: @unchecked Sendable {
    package let base: UnsafePointer<Element>
    package init(_ base: UnsafePointer<Element>) { self.base = base }
}
