import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange with the server.
public struct AttuneRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?
}

public struct AttuneResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// How requests reach the server. A thrown error means the outcome is unknown (no answer): the
/// request is retried, which is safe because every queued event carries its own id.
public protocol AttuneTransport: Sendable {
    func send(_ request: AttuneRequest) async throws -> AttuneResponse
}

/// URLSession: part of Foundation on Apple platforms and of FoundationNetworking on Linux, so the
/// library needs no other package in an app and none of NIO's in a server that does not use it.
public struct URLSessionTransport: AttuneTransport {
    public var timeout: TimeInterval

    public init(timeout: TimeInterval = 15) {
        self.timeout = timeout
    }

    public func send(_ request: AttuneRequest) async throws -> AttuneResponse {
        var urlRequest = URLRequest(url: request.url, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: urlRequest)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return AttuneResponse(status: http.statusCode, headers: headers, body: data)
    }
}
