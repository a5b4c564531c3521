import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import GRDB
import Testing

/// An unmerge leaves a "do not merge" pair naming both ids; erasing either person removes it, and
/// the partner's merge version stops naming the erased id.
struct MergeBlockErasureTests {
    @Test func erasingOneSideOfAnUnmergedPairRemovesThePair() async throws {
        let fixture = try await MergedPersonFixture()
        let store = fixture.store
        let split = MergedPersonFixture.shop
        _ = try await store.unmerge(split, merge: nil, in: .default, actor: "key_test", at: FixedClock().now())
        #expect(try await store.canonicalUser(of: split, in: .default) == split)
        let pairs = try await store.mergeBlocks(involving: [split], in: .default)
        #expect(pairs.count == 1, "the unmerge records the pair")
        let partner = try #require(pairs.first?.other)
        #expect(try await store.mergeBlocks(involving: [partner], in: .default).map(\.other) == [split])

        let erasure = UserErasure(store: store, clock: FixedClock(), registry: nil, files: fixture.base.files)
        _ = try #require(try await erasure.erase(split, in: .default, actor: "key_test"))
        #expect(try await store.mergeBlocks(involving: [split, partner], in: .default).isEmpty)
        let rows = try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM merge_blocks") }
        #expect(rows == 0)
        try await store.checkpoint()
        let holding = try fixture.base.filesContaining(split.rawValue)
        #expect(holding.isEmpty, "\(split) is still in \(holding)")
    }
}
