import Crypto
import Hummingbird
import NIOCore

/// `GET /sdk/attune.js` (public): the tracker script, revalidated by its ETag.
package struct TrackerController: Sendable {
    /// A content hash, so that the tag changes exactly when an upgrade changes the script.
    static let etag: String = {
        let digest = SHA256.hash(data: Array(TrackerScript.source.utf8))
        return "\"" + digest.prefix(12).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined() + "\""
    }()

    /// The URL carries no version, so caches keep the script an hour and then ask again with
    /// `If-None-Match`: a server upgrade reaches every page within the hour, at the cost of a 304.
    static let cacheControl = "public, max-age=3600"

    package init() {}

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/sdk/attune.js") { request, _ in
            Self.response(ifNoneMatch: request.headers[values: .ifNoneMatch])
        }
    }

    static func response(ifNoneMatch: [String]) -> Response {
        var headers: HTTPFields = [
            .eTag: etag,
            .cacheControl: cacheControl,
            .init("X-Content-Type-Options")!: "nosniff",
            // Pages that isolate themselves (Cross-Origin-Embedder-Policy) may still load it.
            .init("Cross-Origin-Resource-Policy")!: "cross-origin",
        ]
        let tags = ifNoneMatch.flatMap { $0.split(separator: ",") }.map { tag -> Substring in
            let trimmed = tag.drop { $0 == " " }
            return trimmed.hasPrefix("W/") ? trimmed.dropFirst(2) : trimmed
        }
        if tags.contains(where: { $0 == etag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "text/javascript; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: TrackerScript.source)))
    }
}
