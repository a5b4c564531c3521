import AttuneCore
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct ProfileImputationAPITests {
    static func number(_ value: JSONValue?) -> Double? {
        if case .number(let n)? = value { return n }
        return nil
    }

    /// u7 with two events, a declared gender and stored estimates for age and gender.
    func server() async throws -> TestServer {
        let server = try TestServer()
        try await server.store.ensureWorkspace(.default, at: server.clock.now())
        _ = try await server.store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: "u7", item: "sku1"), Fixtures.event(2, user: "u7", item: "sku2", at: 60_000),
        ])])
        try await server.store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "u7"), traits: #"{"gender": "F"}"#, timestamp: server.clock.now()),
            in: .default)
        let user = UserID(unchecked: "u7")
        try await server.store.replaceImputations(of: "age", with: [(user, "34", 0.625)], in: .default, at: server.clock.now())
        try await server.store.replaceImputations(of: "gender", with: [(user, #""M""#, 0.9)], in: .default, at: server.clock.now())
        return server
    }

    @Test func imputedValuesAreShownApartAndDeclaredOnesWin() async throws {
        try await server().makeApplication().test(.router) { client in
            let reply = try await client.call(.get, "/v1/users/u7")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json?["declared"]?["gender"] == .string("F"))
            #expect(reply.json?["declared"]?["age"] == nil)
            #expect(reply.json?["imputed"]?["age"]?["value"] == .number(34))
            #expect(reply.json?["imputed"]?["age"]?["confidence"] == .number(0.625))
            #expect(reply.json?["imputed"]?["gender"] == nil, "declared gender must hide the estimate")
        }
    }

    @Test func aDeclaredValueArrivingLaterSupersedesTheEstimate() async throws {
        try await server().makeApplication().test(.router) { client in
            let patch = try await client.call(.patch, "/v1/users/u7", body: #"{"age": 41}"#)
            #expect(patch.status == 200, "\(patch.text)")
            let reply = try await client.call(.get, "/v1/users/u7")
            #expect(reply.json?["declared"]?["age"] == .number(41))
            #expect(reply.json?["imputed"] == .object([]))
            // Removing the declared value again lets the estimate show.
            _ = try await client.call(.patch, "/v1/users/u7", body: #"{"age": null}"#)
            let after = try await client.call(.get, "/v1/users/u7")
            #expect(after.json?["imputed"]?["age"]?["value"] == .number(34))
        }
    }

    @Test func estimatesAreWithheldWithoutPersonalizationConsent() async throws {
        try await server().makeApplication().test(.router) { client in
            let consent = try await client.call(
                .put, "/v1/users/u7/consent", key: TestServer.write, body: #"{"personalization": false, "source": "test"}"#)
            #expect(consent.status == 200, "\(consent.text)")
            let reply = try await client.call(.get, "/v1/users/u7")
            #expect(reply.json?["imputed"] == .object([]))
        }
    }

    @Test func completenessReflectsDeclaredFieldsAndBehaviour() async throws {
        try await server().makeApplication().test(.router) { client in
            let thin = try await client.call(.get, "/v1/users/u7")
            let score = try #require(Self.number(thin.json?["completeness"]?["score"]))
            let declared = try #require(Self.number(thin.json?["completeness"]?["declared"]))
            #expect(declared == 0.15, "gender only")
            #expect(score > 0 && score < 0.5)
            _ = try await client.call(
                .patch, "/v1/users/u7", body: #"{"age": 41, "email": "u7@example.org", "country": "DE", "language": "de"}"#)
            let full = try await client.call(.get, "/v1/users/u7")
            #expect(full.json?["completeness"]?["declared"] == .number(1))
            #expect(try #require(Self.number(full.json?["completeness"]?["score"])) > score)
        }
    }
}
