import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends one webhook request; the dispatcher decides what a failure means.
package protocol WebhookTransport: Sendable {
    /// POSTs `body` and returns the HTTP status. - Throws: on network failure or timeout.
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> Int
}

/// The real transport: AsyncHTTPClient's shared client (HTTP/1.1 and HTTP/2, TLS).
package struct HTTPWebhookTransport: WebhookTransport {
    package init() {}

    package func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        // The body is read (up to a small limit) and dropped, so the connection can be reused.
        _ = try? await response.body.collect(upTo: 64 << 10)
        return Int(response.status.code)
    }
}
