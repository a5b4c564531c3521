import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Not a check: prints items/s upserted and vectors/s put, on PostgreSQL and on an SQLite file
/// beside it, when `ATTUNE_POSTGRES_BENCH` is set (and a server is configured). No threshold:
/// the figures depend on the machine and the server's settings.
@Suite(
    .serialized,
    .enabled(if: PostgresTestServer.isConfigured && ProcessInfo.processInfo.environment["ATTUNE_POSTGRES_BENCH"] != nil)
)
struct PostgresCatalogueThroughput {
    static let batches = 10
    static let batchSize = 5_000
    static let dimension = 128

    static func items(round: Int) -> [[Item]] {
        (0..<batches).map { batch in
            (0..<batchSize).map { n in
                let id = batch * batchSize + n
                var item = Fixtures.item(
                    "item-\(id)", title: "Item \(id) round \(round)", categories: ["c\(id % 40)", "all"],
                    at: Fixtures.now.adding(milliseconds: Int64(round)))
                item.description = "A description of item \(id), long enough to be realistic for a catalogue entry."
                item.properties = #"{"price":\#(id % 500).5,"brand":"b\#(id % 90)"}"#
                return item
            }
        }
    }

    static func vectors() -> [[(item: ItemID, vector: [Float])]] {
        (0..<batches).map { batch in
            (0..<batchSize).map { n in
                let id = batch * batchSize + n
                return (ItemID(unchecked: "item-\(id)"), (0..<dimension).map { Float(($0 * 31 + id) % 97) / 97 - 0.5 })
            }
        }
    }

    static func measure(_ label: String, count: Int, _ body: () async throws -> Void) async throws {
        let clock = ContinuousClock()
        let started = clock.now
        try await body()
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("\(label): \(count) in \(String(format: "%.2f", seconds)) s = \(Int(Double(count) / seconds))/s")
    }

    static func run(_ name: String, _ store: some CatalogStore & EmbeddingStore & WorkspaceStore) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let fresh = items(round: 0)
        let again = items(round: 1)
        let vectors = vectors()
        let total = batches * batchSize
        try await measure("\(name) upsert new items, batches of \(batchSize)", count: total) {
            for batch in fresh { try await store.upsert(batch, in: .default) }
        }
        try await measure("\(name) upsert changed items, batches of \(batchSize)", count: total) {
            for batch in again { try await store.upsert(batch, in: .default) }
        }
        try await measure("\(name) upsert unchanged items, batches of \(batchSize)", count: total) {
            for batch in again { try await store.upsert(batch, in: .default) }
        }
        try await measure("\(name) put \(dimension)-d vectors, batches of \(batchSize)", count: total) {
            for batch in vectors { try await store.putEmbeddings(batch, in: .default) }
        }
        #expect(try await store.embeddingSummary(in: .default)?.count == total)
        #expect(try await store.stats(of: .default).items == total)
    }

    @Test func catalogueAndVectorWritesPerSecond() async throws {
        try await PostgresTestServer.withFreshStore { store in try await Self.run("postgres", store) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "attune-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await Self.run("sqlite file", try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
    }
}
