import AttuneCore
import AttuneServer
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct SystemAPITests {
    @Test func statsCountEventsUsersAndItems() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"batch": [{"type":"view","userId":"u1"},{"type":"view","userId":"u2"},{"type":"view","anonymousId":"a"}]}"#)
            _ = try await client.call(.put, "/v1/items/i1", body: #"{}"#)
            let stats = try await client.call(.get, "/v1/stats")
            #expect(stats.number("events") == 3)
            #expect(stats.number("users") == 2)
            #expect(stats.number("anonymousVisitors") == 1)
            #expect(stats.number("items") == 1)
        }
    }

    @Test func errorsAlwaysUseTheErrorEnvelope() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            for reply in [
                try await client.call(.get, "/v1/stats", key: nil),
                try await client.call(.get, "/v1/items/missing"),
                try await client.call(.post, "/v1/events", key: TestServer.write, body: "{"),
            ] {
                #expect(reply.json?["error"]?["code"] != nil)
                #expect(reply.json?["error"]?["message"] != nil)
                #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }

    @Test(arguments: [
        (AttuneError.Code.malformedJSON, 400), (.invalidUTF8, 400), (.badRequest, 400), (.invalidValue, 422),
        (.missingField, 422), (.payloadTooLarge, 413), (.unsupportedMediaType, 415), (.notFound, 404), (.unauthorized, 401), (.forbidden, 403),
        (.conflict, 409), (.storage, 503),
    ])
    func everyErrorCodeHasItsStatus(_ code: AttuneError.Code, _ status: Int) {
        let error = APIError(AttuneError(code: code, message: "m", field: "f"))
        #expect(Int(error.status.code) == status)
        #expect(error.code == code.description)
        #expect(error.json["error"]?["field"] == .string("f"))
    }

    @Test func unknownErrorsBecomeABare500() {
        struct Secret: Error { let detail = "password=hunter2" }
        let error = APIError.from(Secret())
        #expect(error.status == .internalServerError)
        #expect(!error.json.serialized().contains("hunter2"))
    }
}
