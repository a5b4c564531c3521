import AttuneCore
import Hummingbird
import NIOCore

/// Builds JSON responses from `JSONValue` so that every body goes through one serialiser.
package enum JSONResponse {
    package static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized())))
    }
}
