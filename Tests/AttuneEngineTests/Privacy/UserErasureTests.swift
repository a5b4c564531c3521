import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct UserErasureTests {
    @Test func afterErasureAndACheckpointNoFileHoldsThePersonsIdentifiersOrEmail() async throws {
        let fixture = try await PersonFixture()
        let snapshot = try await fixture.train()
        #expect(snapshot.users.index(of: PersonFixture.user.rawValue) != nil)
        let registry = ModelRegistry(files: fixture.files, logger: Logger(label: "test"))
        registry.refresh()
        // Reading the profile and exporting are audited too: those rows must not name the person either.
        _ = try await UserExport(store: fixture.store, clock: FixedClock()) { _ in nil }
            .begin(PersonFixture.user, in: .default, actor: "key_test")
        try await fixture.store.checkpoint()
        #expect(!(try fixture.filesContaining(PersonFixture.user.rawValue)).isEmpty, "the search finds the id before erasure")
        #expect(!(try fixture.filesContaining(PersonFixture.email)).isEmpty, "and the e-mail")
        #expect(!(try fixture.filesContaining(PersonFixture.textPhrase)).isEmpty, "and the stored text")

        let erasure = UserErasure(store: fixture.store, clock: FixedClock(), registry: registry, files: fixture.files)
        let receipt = try #require(try await erasure.erase(PersonFixture.user, in: .default, actor: "key_test"))
        #expect(receipt.modelSnapshots == 1)
        try await fixture.store.checkpoint()

        for text in [PersonFixture.user.rawValue, PersonFixture.visitor.rawValue, PersonFixture.email, PersonFixture.textPhrase] {
            let holding = try fixture.filesContaining(text)
            #expect(holding.isEmpty, "\(text) is still in \(holding)")
        }
        #expect(fixture.fileNames().contains { $0.hasSuffix("-wal") }, "the WAL was searched too")
        #expect(fixture.fileNames().contains { $0.hasSuffix("-shm") }, "and the shared-memory index")
    }

    @Test func theErasedUserIsServedAsUnknownAtOnceAndLeftOutOfTheNextTraining() async throws {
        let fixture = try await PersonFixture()
        try await fixture.train()
        let registry = ModelRegistry(files: fixture.files, logger: Logger(label: "test"))
        registry.refresh()
        let service = RecommendationService(registry: registry, store: fixture.store, clock: FixedClock())
        let before = try await service.recommend(user: PersonFixture.user, in: .default, request: RecommendationRequest())
        #expect(before.strategy == "als")

        let erasure = UserErasure(store: fixture.store, clock: FixedClock(), registry: registry, files: fixture.files)
        _ = try #require(try await erasure.erase(PersonFixture.user, in: .default, actor: "key_test"))
        let served = try #require(registry.model(for: .default))
        #expect(served.snapshot.users.index(of: PersonFixture.user.rawValue) == nil)
        #expect(served.snapshot.userVector(of: PersonFixture.user.rawValue) == nil)
        let after = try await service.recommend(user: PersonFixture.user, in: .default, request: RecommendationRequest())
        #expect(after.strategy == "popular")
        let audience = try #require(try await service.audience(of: ItemID(unchecked: "A7"), in: .default, count: 1_000))
        #expect(!audience.users.contains { ModelSnapshot.isErasedPlaceholder($0.user.rawValue) })

        // The person comes back after the erasure; training still leaves them out.
        _ = try await fixture.store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(9_001, user: PersonFixture.user.rawValue, item: "A1"),
            Fixtures.event(9_002, user: PersonFixture.user.rawValue, item: "A2"),
        ])])
        let next = try await fixture.train()
        #expect(next.users.index(of: PersonFixture.user.rawValue) == nil)
        #expect(!next.users.keys.contains { ModelSnapshot.isErasedPlaceholder($0) })
        #expect(next.users.index(of: "a1") != nil)
    }

    @Test func anOnlineUpdateDoesNotBringAnErasedUserBack() async throws {
        let fixture = try await PersonFixture()
        try await fixture.train()
        let registry = ModelRegistry(files: fixture.files, logger: Logger(label: "test"))
        registry.refresh()
        let stale = try #require(registry.model(for: .default))
        _ = try await UserErasure(store: fixture.store, clock: FixedClock(), registry: registry, files: fixture.files)
            .erase(PersonFixture.user, in: .default, actor: "key_test")
        // An update computed from the model served before the erasure.
        #expect(registry.replace(stale, ifServing: stale.version, in: .default))
        #expect(registry.model(for: .default)?.snapshot.users.index(of: PersonFixture.user.rawValue) == nil)
    }

    @Test func aServerTakesAnErasureMadeByAnotherProcessOnItsNextPoll() async throws {
        let fixture = try await PersonFixture()
        try await fixture.train()
        let registry = ModelRegistry(files: fixture.files, logger: Logger(label: "test"))
        registry.refresh()
        // The command line erases: it has no registry, only the files.
        _ = try await UserErasure(store: fixture.store, clock: FixedClock(), registry: nil, files: fixture.files)
            .erase(PersonFixture.user, in: .default, actor: "cli")
        #expect(registry.model(for: .default)?.snapshot.users.index(of: PersonFixture.user.rawValue) != nil)
        registry.refresh()
        let served = try #require(registry.model(for: .default))
        #expect(served.snapshot.users.index(of: PersonFixture.user.rawValue) == nil)
        #expect(served.snapshot.users.index(of: "a1") != nil)
    }

    @Test func erasureIsAuditedUnderTheDigestAndAnUnknownUserWritesNothing() async throws {
        let fixture = try await PersonFixture()
        let erasure = UserErasure(store: fixture.store, clock: FixedClock(), registry: nil, files: fixture.files)
        #expect(try await erasure.erase(UserID(unchecked: "nobody"), in: .default, actor: "key_test") == nil)
        #expect(try await fixture.store.auditRecords(after: 0, limit: 10).isEmpty)
        #expect(try await fixture.store.erasedUserDigests(in: .default).isEmpty)

        let receipt = try #require(try await erasure.erase(PersonFixture.user, in: .default, actor: "key_test"))
        #expect(receipt.userDigest == UserDigest.hex(UserDigest.of(PersonFixture.user)))
        #expect(receipt.counts.events == 8)  // six own, one as a visitor, one segment_entered
        #expect(receipt.counts.declaredTraits == 1)
        #expect(receipt.counts.exposures == 2)
        let rows = try await fixture.store.auditRecords(after: 0, limit: 10)
        #expect(rows.count == 1)
        let entry = try #require(rows.first?.entry)
        #expect(entry.action == .userErased)
        #expect(entry.actor == "key_test")
        #expect(entry.time == FixedClock().now())
        #expect(entry.subject == "sha256:" + receipt.userDigest)
        #expect(entry.detail?.contains(receipt.receiptID) == true)
        for field in [entry.subject, entry.detail] {
            #expect(field?.contains(PersonFixture.user.rawValue) != true)
            #expect(field?.contains(PersonFixture.email) != true)
        }
        #expect(try await fixture.store.erasedUserDigests(in: .default) == [UserDigest.of(PersonFixture.user)])
        #expect(try await AuditLog(store: fixture.store, clock: FixedClock()).verify().isIntact)
    }
}
