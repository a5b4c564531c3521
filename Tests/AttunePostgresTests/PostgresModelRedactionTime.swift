import AttuneCore
import AttuneEngine
import AttunePostgres
import AttuneTestSupport
import Foundation
import Testing

/// Not a check: prints how long an erasure takes to rewrite one published version of a factor
/// model of 100,000 users and 20,000 items (64 factors, about 31 MB): download and check, parse,
/// redact, serialize, upload in 1 MiB chunks; when `ATTUNE_POSTGRES_BENCH` is set.
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured && ProcessInfo.processInfo.environment["ATTUNE_POSTGRES_BENCH"] != nil))
struct PostgresModelRedactionTime {
    @Test func redactOneUserFromAThirtyMegabyteVersion() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let models = PostgresModelStore(store: store)
            let bytes = try ModelSnapshot.syntheticALS(users: 100_000, items: 20_000, factors: 64, version: 1).serialized()
            try await models.publish(version: 1, in: .default, files: [PublishedModelFile(name: "v1.model", bytes: bytes)], at: Fixtures.now)
            let clock = ContinuousClock()
            let started = clock.now
            let rewritten = try await models.redact(erased: [UserDigest.of("u77")], in: .default)
            let elapsed = clock.now - started
            #expect(rewritten == 1)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("postgres model redaction: \(bytes.count) bytes, one version rewritten in \(String(format: "%.2f", seconds)) s")
        }
    }
}
