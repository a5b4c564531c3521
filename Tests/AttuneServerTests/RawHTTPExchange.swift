import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Bytes written to the server as they are, for requests no HTTP client would send (a raw
/// non-ASCII byte in the request line, a space in the path), and whatever comes back until the
/// server closes the connection.
enum RawHTTPExchange {
    /// The response text, or `nil` when the server neither answers nor closes within `timeout`
    /// seconds (the guard that turns a hang into a failure; generous, because the whole suite runs
    /// in parallel on two cores and a loaded server was seen to need more than 10 s). Runs off the
    /// cooperative pool, since it blocks.
    static func roundTrip(_ bytes: [UInt8], port: Int, timeout: Int = 30) async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: exchange(bytes, port: port, timeout: timeout))
            }
        }
    }

    private static func exchange(_ bytes: [UInt8], port: Int, timeout: Int) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            // The server may answer and close before reading everything; what it said still counts.
            guard n > 0 else { break }
            offset += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n == 0 { break }
            if n < 0 { return errno == ECONNRESET ? String(decoding: response, as: UTF8.self) : nil }
            response.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: response, as: UTF8.self)
    }
}

extension RawHTTPExchange {
    /// What a paced client got: the response text (`nil` when the server neither answered nor
    /// closed within the guard) and how many chunks it sent before the server closed.
    struct PacedReply: Sendable {
        var text: String?
        var chunksSent: Int
    }

    /// Sends `chunks` on one connection with `pause` seconds between them, stopping early when the
    /// server closes, then reads until the server closes (or `timeout` seconds pass). With
    /// `answerFirst`, waits for the first bytes of an answer to the first chunk before going on.
    static func paced(
        _ chunks: [[UInt8]], pause: Double, port: Int, timeout: Int = 10, answerFirst: Bool = false
    ) async -> PacedReply {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: pacedExchange(chunks, pause: pause, port: port, timeout: timeout, answerFirst: answerFirst))
            }
        }
    }

    private static func pacedExchange(
        _ chunks: [[UInt8]], pause: Double, port: Int, timeout: Int, answerFirst: Bool
    ) -> PacedReply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return PacedReply(text: nil, chunksSent: 0) }
        defer { close(fd) }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return PacedReply(text: nil, chunksSent: 0) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var sent = 0
        var closed = false
        sending: for (index, bytes) in chunks.enumerated() {
            if index > 0 { usleep(useconds_t(pause * 1_000_000)) }
            // Whatever arrived during the pause, and whether the server has hung up.
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT)) }
                if n > 0 {
                    response.append(contentsOf: chunk[0..<n])
                    continue
                }
                if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closed = true }
                break
            }
            if closed { break sending }
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL)) }
            guard n == bytes.count else { break sending }
            sent += 1
            if index == 0, answerFirst {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                guard n > 0 else { return PacedReply(text: nil, chunksSent: sent) }
                response.append(contentsOf: chunk[0..<n])
            }
        }
        while !closed {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == ECONNRESET { break }
                return PacedReply(text: nil, chunksSent: sent)
            }
            response.append(contentsOf: chunk[0..<n])
        }
        return PacedReply(text: String(decoding: response, as: UTF8.self), chunksSent: sent)
    }
}
