import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

struct ImputationStoreTests {
    static let other = WorkspaceID(unchecked: "other")

    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(Self.other, at: Fixtures.now)
        return store
    }

    @Test func aRunReplacesOnlyItsAttributeInItsWorkspace() async throws {
        let store = try await store()
        let u1 = UserID(unchecked: "u1")
        let u2 = UserID(unchecked: "u2")
        try await store.replaceImputations(of: "age", with: [(u1, "30", 0.5), (u2, "40", 0.25)], in: .default, at: Fixtures.now)
        try await store.replaceImputations(of: "gender", with: [(u1, #""F""#, 0.75)], in: .default, at: Fixtures.now)
        try await store.replaceImputations(of: "age", with: [(u1, "99", 1)], in: Self.other, at: Fixtures.now)
        try await store.replaceImputations(of: "age", with: [(u2, "41", 0.3)], in: .default, at: Fixtures.now)
        #expect(try await store.imputations(of: u1, in: .default) == [
            StoredImputation(attribute: "gender", value: #""F""#, confidence: 0.75, imputedAt: Fixtures.now)
        ])
        #expect(try await store.imputations(of: u2, in: .default).map(\.value) == ["41"])
        #expect(try await store.imputations(of: u1, in: Self.other).map(\.value) == ["99"])
        #expect(try await store.imputations(of: u1, in: WorkspaceID(unchecked: "nowhere")).isEmpty)
    }

    @Test func anEmptyRunClearsTheAttribute() async throws {
        let store = try await store()
        let u1 = UserID(unchecked: "u1")
        try await store.replaceImputations(of: "age", with: [(u1, "30", 0.5)], in: .default, at: Fixtures.now)
        try await store.replaceImputations(of: "age", with: [], in: .default, at: Fixtures.now)
        #expect(try await store.imputations(of: u1, in: .default).isEmpty)
    }
}
