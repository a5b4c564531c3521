import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// The assignment route logs its unit id raw in the exposure log: with pseudonymisation on, an
/// e-mail address or phone number as `user` is refused like everywhere else.
struct ExperimentPersonalIDTests {
    static let email = "ann.unit.5512@example.org"
    static let experiment = ExperimentKey(unchecked: "rec-strategy")

    @Test func anAddressOrNumberAsTheUnitIsRefusedAndNotLogged() async throws {
        var server = try TestServer()
        server.pii = PIIProtection(keys: PIIKeys.generate())
        let store = server.store
        try await server.makeApplication().test(.router) { client in
            let created = try await client.call(.post, "/v1/experiments", body: ExperimentsAPITests.definition)
            #expect(created.status == 201, "\(created.text)")
            for unit in [Self.email, "%2B447700900123", "0044%207700%20900123"] {
                let reply = try await client.call(.get, "/v1/experiments/rec-strategy/assignment?user=\(unit)", key: TestServer.read)
                #expect(reply.status == 422, "\(unit): \(reply.text)")
                #expect(reply.errorField == "user", "\(unit): \(reply.text)")
                #expect(!reply.text.contains("7700") && !reply.text.contains(Self.email), "the answer does not repeat it")
            }
            // Ids that only look a little like an address or a number are units like any other.
            for unit in ["sensor-7@10.0.0.12", "svc@v2.1", "447700900123", "u1"] {
                let reply = try await client.call(.get, "/v1/experiments/rec-strategy/assignment?user=\(unit)", key: TestServer.read)
                #expect(reply.status == 200, "\(unit): \(reply.text)")
            }
            let counts = try await store.exposureCounts(of: Self.experiment, in: .default)
            #expect(counts.values.reduce(0, +) == 4, "only the accepted units are logged")
            #expect(try await store.exposures(ofUnits: [Self.email, "+447700900123", "0044 7700 900123"], in: .default).isEmpty)
        }
    }

    @Test func withoutPseudonymisationTheAddressIsAUnitLikeAnyOther() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            _ = try await client.call(.post, "/v1/experiments", body: ExperimentsAPITests.definition)
            let reply = try await client.call(.get, "/v1/experiments/rec-strategy/assignment?user=\(Self.email)", key: TestServer.read)
            #expect(reply.status == 200, "\(reply.text)")
        }
    }
}
