import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Foundation
import Testing

/// Not a check: prints audit rows/s and exposures/s written to PostgreSQL, when
/// `ATTUNE_POSTGRES_BENCH` is set (and a server is configured). Audit appends share one lock
/// database-wide, so the figure for concurrent writers is the chain's ceiling for the whole
/// deployment. No threshold: the figure depends on the machine and the server's settings.
@Suite(.serialized, .enabled(if: PostgresTestServer.isConfigured && ProcessInfo.processInfo.environment["ATTUNE_POSTGRES_BENCH"] != nil))
struct PostgresAuditAndExposureThroughput {
    /// `writers` tasks each appending `rows` in batches of `batchSize` (1: `appendAudit`).
    @Test(arguments: [(1, 1, 500), (8, 1, 125), (8, 100, 1_000)])
    func auditRowsPerSecond(_ writers: Int, _ batchSize: Int, _ rows: Int) async throws {
        try await PostgresTestServer.withFreshStore { store in
            let entry = AuditEntry(time: Fixtures.now, actor: "key_bench", action: .profileRead, subject: "user:0123456789abcdef")
            let seconds = try await Self.timed {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<writers {
                        group.addTask {
                            for _ in 0..<(rows / batchSize) {
                                if batchSize == 1 {
                                    _ = try await store.appendAudit(entry) { AuditStoreConformance.seal($0, $1, entry) }
                                } else {
                                    try await store.appendAudits(Array(repeating: entry, count: batchSize)) {
                                        AuditStoreConformance.seal($0, $1, $2)
                                    }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let total = writers * rows
            #expect(try await store.auditRecords(after: 0, limit: -1).count == total)
            print("postgres audit: \(writers) writers, batches of \(batchSize): \(total) rows in \(String(format: "%.2f", seconds)) s = \(Int(Double(total) / seconds)) rows/s")
        }
    }

    /// `writers` tasks each recording `units` first exposures in batches of `batchSize`.
    @Test(arguments: [(1, 1, 500), (8, 1, 125), (1, 1_000, 20_000)])
    func exposuresPerSecond(_ writers: Int, _ batchSize: Int, _ units: Int) async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            let seconds = try await Self.timed {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            for batch in 0..<(units / batchSize) {
                                let exposures = (0..<batchSize).map { i in
                                    Exposure(
                                        experiment: ExperimentKey(unchecked: "bench"), unit: "w\(writer)-u\(batch * batchSize + i)",
                                        variant: i % 2, time: Fixtures.now)
                                }
                                _ = try await store.recordExposures(exposures, in: .default)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let total = writers * units
            #expect(try await store.exposureCounts(of: ExperimentKey(unchecked: "bench"), in: .default).values.reduce(0, +) == total)
            print("postgres exposures: \(writers) writers, batches of \(batchSize): \(total) in \(String(format: "%.2f", seconds)) s = \(Int(Double(total) / seconds))/s")
        }
    }

    static func timed(_ body: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let started = clock.now
        try await body()
        let elapsed = clock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
