import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import PostgresNIO
import Testing

/// Where PostgreSQL cannot do what SQLite does, for the experiment store:
/// text with NUL is refused, naming the field, before anything is written.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresProtocolLimitsTests {
    @Test func exposuresWithNULAreRefusedWholeNamingTheField() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let good = Exposure(experiment: ExperimentKey(unchecked: "x"), unit: "u1", variant: 0, time: Fixtures.now)
            var bad = good
            bad.unit = "u\u{0}2"
            let error = await #expect(throws: AttuneError.self) { try await store.recordExposures([good, bad], in: .default) }
            #expect(error?.code == .invalidValue)
            #expect(error?.field == "exposures[1].unit")
            #expect(try await store.exposureCounts(of: good.experiment, in: .default).isEmpty)
            #expect(try await store.exposure(of: good.experiment, unit: bad.unit, in: .default) == nil)
        }
    }
}
