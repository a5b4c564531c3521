import AttuneCore
import AttuneEngine
import AttunePostgres
import AttuneTestSupport
import Foundation
import Testing

/// Not a check: prints how long publishing and downloading a 30 MB model takes through
/// PostgreSQL (1 MiB chunks), when `ATTUNE_POSTGRES_BENCH` is set (and a server is configured).
/// The bytes are pseudo-random, as trained factors are to a compressor.
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured && ProcessInfo.processInfo.environment["ATTUNE_POSTGRES_BENCH"] != nil))
struct PostgresModelTransferThroughput {
    @Test func publishAndDownloadThirtyMegabytes() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let models = PostgresModelStore(store: store)
            var state: UInt64 = 42
            var bytes = [UInt8](repeating: 0, count: 30 << 20)
            bytes.withUnsafeMutableBytes { buffer in
                for offset in stride(from: 0, to: buffer.count, by: 8) {
                    state &+= 0x9E37_79B9_7F4A_7C15
                    var z = state
                    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                    buffer.storeBytes(of: z ^ (z >> 31), toByteOffset: offset, as: UInt64.self)
                }
            }
            let file = PublishedModelFile(name: "v1.model", bytes: bytes)
            let clock = ContinuousClock()
            let started = clock.now
            try await models.publish(version: 1, in: .default, files: [file], at: Fixtures.now)
            let published = clock.now
            let downloaded = try await models.download(version: 1, in: .default)
            let finished = clock.now
            #expect(downloaded == [file])
            func seconds(_ duration: Duration) -> String {
                String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
            }
            print("postgres model transfer: 30 MiB publish \(seconds(published - started)) s, download and check \(seconds(finished - published)) s")
        }
    }
}
