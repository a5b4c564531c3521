import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

/// An erasure commits its rows first and redacts the model files after: a failure or a crash in
/// between must not leave a merged person's vectors servable.
struct InterruptedErasureTests {
    @Test func aRetryAfterAFailedRedactionRedactsEveryMemberOfTheMergedPerson() async throws {
        let fixture = try await MergedPersonFixture()
        let files = fixture.base.files
        let snapshot = try await fixture.base.train()
        // The merge re-keyed the merged ids' events: the model knows the person by the canonical id,
        // which the retry below, naming a merged id whose aliases are gone, must still find.
        #expect(snapshot.users.index(of: fixture.canonical.rawValue) != nil)
        // An unreadable snapshot that sorts before the real one makes the rewrite fail before it
        // touches anything (a permission trick would not stop root).
        let version = try #require(files.versions(in: .default).last)
        let blocker = files.directory.appendingPathComponent("default/v0.model")
        try Data("not a snapshot".utf8).write(to: blocker)

        let erasure = UserErasure(store: fixture.store, clock: FixedClock(), registry: nil, files: files)
        await #expect(throws: (any Error).self) { try await erasure.erase(MergedPersonFixture.shop, in: .default, actor: "cli") }
        #expect(try await fixture.store.erasedUserDigests(in: .default).count == 3, "the rows are gone")
        #expect(try files.load(version: version, in: .default).users.index(of: fixture.canonical.rawValue) != nil)

        try FileManager.default.removeItem(at: blocker)
        let receipt = try #require(try await erasure.erase(MergedPersonFixture.shop, in: .default, actor: "cli"))
        #expect(receipt.modelSnapshots == 1)
        #expect(receipt.counts.isEmpty, "the rows went the first time")
        let stored = try files.load(version: version, in: .default)
        for member in MergedPersonFixture.members {
            #expect(stored.users.index(of: member.rawValue) == nil, "\(member.rawValue) is still in the snapshot")
        }
        #expect(stored.users.index(of: "a1") != nil)
        #expect(try await erasure.erase(MergedPersonFixture.shop, in: .default, actor: "cli") == nil, "nothing left to do")
    }

    @Test func aRestartedServerDoesNotServeAVectorLeftInAnUnredactedFile() async throws {
        let fixture = try await MergedPersonFixture()
        let files = fixture.base.files
        try await fixture.base.train()
        let version = try #require(files.versions(in: .default).last)
        let file = files.directory.appendingPathComponent("default/v\(version).model")
        let unredacted = try Data(contentsOf: file)
        _ = try #require(
            try await UserErasure(store: fixture.store, clock: FixedClock(), registry: nil, files: files)
                .erase(PersonFixture.user, in: .default, actor: "cli"))
        // The process died after the commit, before the file was rewritten.
        try unredacted.write(to: file)

        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        try await registry.adoptErasures(from: fixture.store)
        registry.refresh()
        let served = try #require(registry.model(for: .default))
        for member in MergedPersonFixture.members {
            #expect(served.snapshot.users.index(of: member.rawValue) == nil)
            #expect(served.snapshot.userVector(of: member.rawValue) == nil)
        }
        #expect(served.snapshot.userVector(of: "a1") != nil, "everyone else is served")
    }

    @Test func aServedModelDropsUsersErasedByAnotherProcessWhenTheErasuresAreRead() async throws {
        let fixture = try await MergedPersonFixture()
        try await fixture.base.train()
        let registry = ModelRegistry(files: fixture.base.files, logger: Logger(label: "test"))
        registry.refresh()
        // Another process erased the person and died before touching the files.
        _ = try await fixture.store.erasePerson(
            MergedPersonFixture.crm, digest: { UserDigest.of($0) }, in: .default, at: Fixtures.now)
        #expect(registry.model(for: .default)?.snapshot.users.index(of: MergedPersonFixture.crm.rawValue) != nil)

        try await registry.adoptErasures(from: fixture.store)
        let served = try #require(registry.model(for: .default))
        for member in MergedPersonFixture.members { #expect(served.snapshot.users.index(of: member.rawValue) == nil) }
    }

    /// A load takes seconds: an erasure adopted while the next model was read drops its users from
    /// the model being replaced, and found no digest-free moment in the new one. The swap looks
    /// again, so the new model never serves them.
    @Test func aModelLoadedBeforeAnErasureWasAdoptedDropsTheErasedPersonWhenSwappedIn() async throws {
        let fixture = try await PersonFixture()
        let snapshot = try await fixture.train()
        let registry = ModelRegistry(files: fixture.files, logger: Logger(label: "test"))
        registry.refresh()
        #expect(registry.model(for: .default)?.snapshot.users.index(of: PersonFixture.user.rawValue) != nil)
        // The next model was read (redacted by no digest) before the erasure was adopted ...
        let loaded = ServingModel(snapshot: snapshot)
        registry.adoptErasures([UserDigest.of(PersonFixture.user)], in: .default)
        #expect(registry.model(for: .default)?.snapshot.users.index(of: PersonFixture.user.rawValue) == nil)
        // ... and is swapped in after it.
        registry.serve(loaded, redactedBy: [], in: .default)
        let served = try #require(registry.model(for: .default))
        #expect(served.generation == loaded.generation)
        #expect(served.snapshot.users.index(of: PersonFixture.user.rawValue) == nil)
        #expect(served.snapshot.userVector(of: PersonFixture.user.rawValue) == nil)
        #expect(served.snapshot.userVector(of: "a1") != nil, "everyone else is served")
    }
}
