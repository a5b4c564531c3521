import AttuneCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A one-request-per-connection HTTP client for tests that must survive the server dying.
package struct BlockingClient: Sendable {
    package let port: Int

    package init(port: Int) { self.port = port }

    package func post(path: String, key: String, body: String) -> Int? {
        request("POST", path, key: key, body: body)?.0
    }

    package func get(path: String, key: String) -> String? {
        request("GET", path, key: key, body: "")?.1
    }

    private func request(_ method: String, _ path: String, key: String, body: String) -> (Int, String)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let bodyBytes = Array(body.utf8)
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\nContent-Length: \(bodyBytes.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + bodyBytes
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return nil }
            offset += n
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { break }
            response.append(contentsOf: chunk[0..<n])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)),
            let split = text.range(of: "\r\n\r\n")
        else { return nil }
        return (status, String(text[split.upperBound...]))
    }
}

extension BlockingClient {
    /// Every event id stored for `users`, following the pagination cursor to the end.
    package func storedEventIDs(users: [String], key: String) throws -> Set<String> {
        Set(try storedEventIDList(users: users, key: key))
    }

    /// Every stored event id of these users, once per stored event (a duplicate would appear twice).
    package func storedEventIDList(users: [String], key: String) throws -> [String] {
        var stored: [String] = []
        for user in users {
            var cursor: String?
            repeat {
                let query = "/v1/users/\(user)/events?limit=1000" + (cursor.map { "&cursor=\($0)" } ?? "")
                guard let body = get(path: query, key: key) else { throw CocoaError(.fileReadUnknown) }
                let json = try JSONParser().parse(body)
                guard case .array(let events)? = json["events"] else { break }
                for event in events { if let id = event["id"]?.stringValue { stored.append(id) } }
                cursor = json["nextCursor"]?.stringValue
            } while cursor != nil
        }
        return stored
    }
}
