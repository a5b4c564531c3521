import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal blocking HTTP/1.1 client over one keep-alive connection to 127.0.0.1.
///
/// Load generation needs a client whose own cost is small and predictable; a blocking socket per
/// thread is exactly that. It speaks only what the benchmarks and the demo send.
final class LoopbackHTTPClient {
    struct Response {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case io(String)

        var description: String {
            switch self {
            case .connect(let code): "cannot connect (errno \(code))"
            case .io(let what): what
            }
        }
    }

    private let port: Int
    private var socketFD: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var pending: [UInt8] = []

    init(port: Int) {
        self.port = port
    }

    deinit {
        if socketFD >= 0 { close(socketFD) }
    }

    private func connectIfNeeded() throws {
        guard socketFD < 0 else { return }
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure.connect(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw Failure.connect(code)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        socketFD = fd
        pending.removeAll()
    }

    /// Sends a request and reads the whole response. Reconnects once if the server had closed
    /// the idle connection.
    func send(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> Response {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        var bytes = Array(request.utf8)
        bytes.append(contentsOf: body)
        do {
            try connectIfNeeded()
            try writeAll(bytes)
            return try readResponse()
        } catch {
            if socketFD >= 0 { close(socketFD) }
            socketFD = -1
            try connectIfNeeded()
            try writeAll(bytes)
            return try readResponse()
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.send(socketFD, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(socketFD, raw.baseAddress! + offset, bytes.count - offset, 0)
                #endif
            }
            guard written > 0 else { throw Failure.io("write failed (errno \(errno))") }
            offset += written
        }
    }

    private func fill() throws {
        let count = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress!, $0.count, 0) }
        guard count > 0 else { throw Failure.io("connection closed") }
        pending.append(contentsOf: buffer[0..<count])
    }

    private func readResponse() throws -> Response {
        var headerEnd: Int?
        while headerEnd == nil {
            if let range = findHeaderEnd() {
                headerEnd = range
            } else {
                try fill()
            }
        }
        let head = String(decoding: pending[0..<headerEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.count >= 12, let status = Int(statusLine.dropFirst(9).prefix(3))
        else { throw Failure.io("malformed response") }
        var length = 0
        var closeAfter = false
        for line in lines.dropFirst() {
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") { length = Int(lower.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0 }
            if lower.hasPrefix("connection:") && lower.contains("close") { closeAfter = true }
        }
        let bodyStart = headerEnd! + 4
        while pending.count < bodyStart + length { try fill() }
        let body = Array(pending[bodyStart..<(bodyStart + length)])
        pending.removeFirst(bodyStart + length)
        if closeAfter {
            close(socketFD)
            socketFD = -1
        }
        return Response(status: status, body: body)
    }

    private func findHeaderEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for i in 0...(pending.count - 4)
        where pending[i] == 13 && pending[i + 1] == 10 && pending[i + 2] == 13 && pending[i + 3] == 10 {
            return i
        }
        return nil
    }
}
