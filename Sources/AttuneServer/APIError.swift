import AttuneCore
import Hummingbird
import NIOCore

/// The single place where errors become HTTP answers: `{"error": {"code", "message", "field"}}`.
package struct APIError: HTTPResponseError {
    package let status: HTTPResponse.Status
    package let code: String
    package let message: String
    package let field: String?
    package var extraHeaders: HTTPFields = [:]

    package init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    package init(_ error: AttuneError) {
        let status: HTTPResponse.Status =
            switch error.code {
            case .malformedJSON, .invalidUTF8, .badRequest: .badRequest
            case .invalidValue, .missingField: .unprocessableContent
            case .payloadTooLarge: .contentTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            case .notFound: .notFound
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .conflict: .conflict
            // The store is unavailable (shutting down, disk trouble): the client may retry.
            case .storage: .serviceUnavailable
            default: .internalServerError
            }
        self.init(status: status, code: error.code.description, message: error.message, field: error.field)
    }

    /// Maps anything thrown by a route. Unknown errors become a bare 500 whose text reveals
    /// nothing about internals.
    package static func from(_ error: any Error) -> APIError {
        switch error {
        case let api as APIError: return api
        case let attune as AttuneError: return APIError(attune)
        case let http as HTTPError:
            let code: String =
                switch http.status {
                case .notFound: "not_found"
                case .contentTooLarge: "payload_too_large"
                case .methodNotAllowed: "method_not_allowed"
                case .badRequest: "bad_request"
                case .unauthorized: "unauthorized"
                case .tooManyRequests: "rate_limited"
                default: http.status.code >= 500 ? "internal" : "bad_request"
                }
            let message = http.body ?? http.status.reasonPhrase
            return APIError(status: http.status, code: code, message: message)
        default:
            return APIError(status: .internalServerError, code: "internal", message: "internal error")
        }
    }

    package var json: JSONValue {
        var inner: [(key: String, value: JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if let field { inner.append(("field", .string(field))) }
        return .object([("error", .object(inner))])
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = extraHeaders
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json.serialized())))
    }
}
