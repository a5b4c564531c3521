import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

/// Exports read members a chunk at a time and write every one exactly once.
struct SegmentExportTests {
    static func store(users: Int) async throws -> (SQLiteStore, SegmentID) {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let segment = try await SegmentService(store: store, clock: FixedClock())
            .create(try SegmentDefinition(name: "everyone", rule: "traits.events >= 1"), in: .default)
        let events = (0..<users).map { Fixtures.event(UInt64($0), user: "user,\($0)") }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        return (store, segment.id)
    }

    @Test func thousandsOfMembersAreWrittenInChunks() async throws {
        let (store, id) = try await Self.store(users: 3_500)
        var pieces: [String] = []
        let count = try await SegmentExport(store: store, chunkSize: 1_000).run(id, in: .default, format: .csv) {
            pieces.append($0)
        }
        #expect(count == 3_500)
        // The header, then one piece per chunk: never the whole segment at once.
        #expect(pieces.count == 1 + 4)
        let lines = pieces.joined().split(separator: "\n").map(String.init)
        #expect(lines.first == "user_id")
        #expect(lines.count == 3_501)
        #expect(Set(lines.dropFirst()).count == 3_500)
        #expect(lines[1].hasPrefix("\"user,"))
    }

    @Test func jsonLinesHoldOneObjectPerMember() async throws {
        let (store, id) = try await Self.store(users: 10)
        var text = ""
        _ = try await SegmentExport(store: store, chunkSize: 3).run(id, in: .default, format: .jsonl) { text += $0 }
        let lines = text.split(separator: "\n")
        #expect(lines.count == 10)
        let first = try JSONParser().parse(String(lines[0]))
        #expect(first["userId"]?.stringValue == "user,0")
    }
}
