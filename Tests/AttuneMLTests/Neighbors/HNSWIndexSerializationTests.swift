@testable import AttuneML
import Testing

struct HNSWIndexSerializationTests {
    static let dimension = 16
    static let all = NeighborFixtures.clustered(count: 1_550, dimension: dimension, seed: 21)
    static let data = Array(all[0..<(1_500 * dimension)])
    static let queries = Array(all[(1_500 * dimension)...])

    static func index(_ metric: VectorMetric) throws -> HNSWIndex {
        var index = try HNSWIndex.build(
            vectors: data, dimension: dimension,
            configuration: .init(metric: metric, neighbors: 8, efConstruction: 64, efSearch: 40, seed: 5))
        for label in stride(from: Int32(0), to: 1_500, by: 7) { index.remove(label: label) }
        return index
    }

    @Test(arguments: VectorMetric.allCases)
    func roundTripGivesIdenticalResults(metric: VectorMetric) throws {
        let original = try Self.index(metric)
        let restored = try HNSWIndex(serialized: original.serialized())
        #expect(restored == original)
        #expect(restored.invariantViolation() == nil)
        for q in 0..<50 {
            let query = NeighborFixtures.row(Self.queries, q, dimension: Self.dimension)
            #expect(try restored.search(query, k: 10) == original.search(query, k: 10))
        }
    }

    @Test func emptyIndexRoundTrips() throws {
        let empty = try HNSWIndex(dimension: 3, configuration: .init(metric: .cosine))
        #expect(try HNSWIndex(serialized: empty.serialized()) == empty)
    }

    @Test func insertsAfterLoadingMatchInsertsBeforeSaving() throws {
        var original = try Self.index(.euclidean)
        var restored = try HNSWIndex(serialized: original.serialized())
        let extra = NeighborFixtures.clustered(count: 100, dimension: Self.dimension, seed: 23)
        let labels = (5_000..<5_100).map { Int32($0) }
        try original.insert(contentsOf: extra, labels: labels)
        try restored.insert(contentsOf: extra, labels: labels)
        #expect(restored == original)
    }

    @Test func damagedBlobsAreRejected() throws {
        let blob = try Self.index(.innerProduct).serialized()
        #expect(throws: AttuneMLError.corruptData("")) { try HNSWIndex(serialized: Array(blob.dropLast(3))) }
        #expect(throws: AttuneMLError.corruptData("")) { try HNSWIndex(serialized: Array(blob.prefix(9))) }
        var otherTag = blob
        otherTag[4] = UInt8(ascii: "X")
        #expect(throws: AttuneMLError.corruptData("")) { try HNSWIndex(serialized: otherTag) }
        var newer = blob
        newer[8] = 9
        #expect(throws: AttuneMLError.unsupportedVersion("")) { try HNSWIndex(serialized: newer) }
        // Layout: 10-byte header, 57 bytes of scalars, then arrays as a UInt64 count + elements:
        // labels, levels, deleted slots, vectors, links0. Damage node 0's level-0 list.
        let n = 1_500
        let removed = (n + 6) / 7
        let links0 = 10 + 57 + (8 + 4 * n) + (8 + 4 * n) + (8 + 4 * removed) + (8 + 4 * n * Self.dimension) + 8
        var badCount = blob
        for i in 0..<4 { badCount[links0 + i] = 0x7F }
        #expect(throws: AttuneMLError.corruptData("")) { try HNSWIndex(serialized: badCount) }
        var badId = blob
        for i in 0..<4 { badId[links0 + 4 + i] = 0x7F }
        #expect(throws: AttuneMLError.corruptData("")) { try HNSWIndex(serialized: badId) }
    }
}
