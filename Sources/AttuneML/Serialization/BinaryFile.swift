#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A model file opened for ``BinaryReader``: small fields come through a 64 KiB window, large
/// arrays are read with `pread(2)` straight into their final buffers, so a multi-hundred-megabyte
/// snapshot is never held in memory beside the model decoded from it.
///
/// Not for sharing across threads: the window is mutable state.
package final class BinaryFile {
    private let descriptor: Int32
    /// The file's size when opened; every length in it is checked against this.
    package let size: Int
    private var window: [UInt8]
    private var windowStart = 0
    private var windowCount = 0
    private static let windowCapacity = 64 << 10

    /// Opens `path` read-only; `nil` when it cannot be opened or is not a regular file.
    package init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size >= 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        size = Int(status.st_size)
        window = [UInt8](repeating: 0, count: Self.windowCapacity)
    }

    deinit { close(descriptor) }

    /// Copies `count` bytes at `offset` into `destination`.
    /// - Throws: `AttuneMLError.corruptData` when the file ends first (it shrank since it was opened)
    ///   or cannot be read.
    package func copy(into destination: UnsafeMutableRawPointer, from offset: Int, count: Int) throws {
        guard count > 0 else { return }
        guard offset >= 0, count <= size - offset else { throw AttuneMLError.corruptData("truncated at byte \(offset)") }
        if count <= Self.windowCapacity / 2 {
            if offset < windowStart || offset + count > windowStart + windowCount {
                try fillWindow(at: offset)
                guard offset + count <= windowStart + windowCount else {
                    throw AttuneMLError.corruptData("truncated at byte \(windowStart + windowCount)")
                }
            }
            window.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + (offset - windowStart), byteCount: count) }
            return
        }
        try readFully(into: destination, from: offset, count: count)
    }

    private func fillWindow(at offset: Int) throws {
        let count = min(Self.windowCapacity, size - offset)
        windowCount = 0
        try window.withUnsafeMutableBytes { try readFully(into: $0.baseAddress!, from: offset, count: count) }
        (windowStart, windowCount) = (offset, count)
    }

    private func readFully(into destination: UnsafeMutableRawPointer, from offset: Int, count: Int) throws {
        var done = 0
        while done < count {
            let got = pread(descriptor, destination + done, count - done, off_t(offset + done))
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw AttuneMLError.corruptData("read error \(errno) at byte \(offset + done)") }
            guard got > 0 else { throw AttuneMLError.corruptData("truncated at byte \(offset + done)") }
            done += got
        }
    }
}
