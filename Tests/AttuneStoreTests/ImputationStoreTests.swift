import AttuneCore
import AttuneStore
import AttuneTestSupport
import GRDB
import Testing

struct ImputationStoreTests {
    static let other = WorkspaceID(unchecked: "other")
    static let u1 = UserID(unchecked: "u1")
    static let u2 = UserID(unchecked: "u2")

    /// Two workspaces where u1 and u2 have profiles (an event each).
    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        for workspace in [WorkspaceID.default, Self.other] {
            try await store.ensureWorkspace(workspace, at: Fixtures.now)
            _ = try await store.append([EventBatch(workspace: workspace, events: [
                Fixtures.event(1, user: Self.u1.rawValue), Fixtures.event(2, user: Self.u2.rawValue),
            ])])
        }
        return store
    }

    @Test func aRunReplacesOnlyItsAttributeInItsWorkspace() async throws {
        let store = try await store()
        let (u1, u2) = (Self.u1, Self.u2)
        #expect(try await store.replaceImputations(of: "age", with: [(u1, "30", 0.5), (u2, "40", 0.25)], in: .default, at: Fixtures.now) == 2)
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
        try await store.replaceImputations(of: "age", with: [(Self.u1, "30", 0.5)], in: .default, at: Fixtures.now)
        try await store.replaceImputations(of: "age", with: [], in: .default, at: Fixtures.now)
        #expect(try await store.imputations(of: Self.u1, in: .default).isEmpty)
    }

    /// The run computes its estimates, the user is erased, then the run writes: the erased user
    /// must get no row (it would be the only thing left of them, under their id).
    @Test func aUserErasedWhileTheRunComputedGetsNoEstimate() async throws {
        let store = try await store()
        let computed = [(user: Self.u1, value: "30", confidence: 0.5), (user: Self.u2, value: "40", confidence: 0.25)]
        #expect(try await store.erasePerson(
            Self.u2, digest: { _ in [UInt8](repeating: 1, count: 32) }, in: .default, at: Fixtures.now) != nil)

        #expect(try await store.replaceImputations(of: "age", with: computed, in: .default, at: Fixtures.now) == 1)
        #expect(try await store.imputations(of: Self.u1, in: .default).map(\.value) == ["30"])
        #expect(try await store.imputations(of: Self.u2, in: .default).isEmpty)
        let rows = try await store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM imputed_attributes WHERE user_id = ?", arguments: [Self.u2.rawValue])
        }
        #expect(rows == 0)
        // Nor a user the store never had a profile for.
        #expect(try await store.replaceImputations(
            of: "age", with: [(UserID(unchecked: "ghost"), "50", 1)], in: .default, at: Fixtures.now) == 0)
    }

    /// The run starts, u2 is erased, a new event makes u2 a profile again, then the run writes: the
    /// estimate came from the erased person's behaviour and must not be stored; one from a run
    /// that started after the erasure may.
    @Test func aUserErasedDuringTheRunAndRecreatedGetsNoEstimateFromThatRun() async throws {
        let store = try await store()
        let u2Digest = [UInt8](repeating: 7, count: 32)
        let digest: @Sendable (UserID) -> [UInt8] = { $0 == Self.u2 ? u2Digest : [UInt8](repeating: 0, count: 32) }
        let runStart = Fixtures.now
        let erasedAt = Fixtures.now.adding(milliseconds: 5_000)
        #expect(try await store.erasePerson(Self.u2, digest: { _ in u2Digest }, in: .default, at: erasedAt) != nil)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(3, user: Self.u2.rawValue)])])
        #expect(try await store.profile(of: Self.u2, in: .default) != nil, "u2 is back")
        let computed = [(user: Self.u1, value: "30", confidence: 0.5), (user: Self.u2, value: "40", confidence: 0.25)]

        #expect(try await store.replaceImputations(
            of: "age", with: computed, in: .default, at: erasedAt, erasedSince: (time: runStart, digest: digest)) == 1)
        #expect(try await store.imputations(of: Self.u2, in: .default).isEmpty)
        #expect(try await store.imputations(of: Self.u1, in: .default).map(\.value) == ["30"])

        // Erased at the very millisecond the run started counts as during the run.
        #expect(try await store.replaceImputations(
            of: "age", with: computed, in: .default, at: erasedAt, erasedSince: (time: erasedAt, digest: digest)) == 1)
        // A later run computed from the new events only.
        let later = erasedAt.adding(milliseconds: 1)
        #expect(try await store.replaceImputations(
            of: "age", with: computed, in: .default, at: later, erasedSince: (time: later, digest: digest)) == 2)
        #expect(try await store.imputations(of: Self.u2, in: .default).map(\.value) == ["40"])
    }
}
