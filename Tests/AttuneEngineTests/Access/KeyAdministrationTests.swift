import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Crypto
import Foundation
import Logging
import Testing

struct KeyAdministrationTests {
    let store: SQLiteStore
    let administration: KeyAdministration

    init() async throws {
        store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: FixedClock().now())
        administration = KeyAdministration(store: store, clock: FixedClock())
    }

    @Test func aCreatedKeyAuthenticatesAndOnlyItsDigestIsStored() async throws {
        let (key, record) = try await administration.create(
            workspace: .default, scope: .read, label: "mobile app", rate: 5, actor: "cli")
        #expect(key.hasPrefix("atn_read_"))
        let stored = try #require(try await store.keys().first { $0.id == record.id })
        #expect(stored.digest == Array(SHA256.hash(data: Data(key.utf8))))
        #expect(stored.label == "mobile app")
        #expect(stored.rate == 5)
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        let principal = try #require(await keyring.authenticate(key))
        #expect(principal.scope == .read)
        #expect(principal.limiter?.limit.perSecond == 5)
    }

    @Test func aRevokedKeyStopsAuthenticatingAtTheNextReload() async throws {
        let (key, record) = try await administration.create(workspace: .default, scope: .write, label: "web", rate: nil, actor: "cli")
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        #expect(await keyring.authenticate(key) != nil)
        let revoked = try await administration.revoke(id: record.id, actor: "cli")
        #expect(revoked.revokedAt != nil)
        try await keyring.reload()
        #expect(await keyring.authenticate(key) == nil)
        await #expect(throws: AttuneError.self) { try await administration.revoke(id: record.id, actor: "cli") }
    }

    @Test func aKeyCreatedAfterTheLastReloadWorksAtOnce() async throws {
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        let (key, _) = try await administration.create(workspace: .default, scope: .read, label: "new", rate: nil, actor: "cli")
        #expect(await keyring.authenticate(key)?.scope == .read)
    }

    @Test func theRefresherPicksUpARevocationInARunningKeyring() async throws {
        let (key, record) = try await administration.create(workspace: .default, scope: .write, label: "web", rate: nil, actor: "cli")
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        let refresher = KeyringRefresher(keyring: keyring, interval: .milliseconds(10), logger: Logger(label: "test"))
        let stillValid = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await refresher.run() }
            _ = try await administration.revoke(id: record.id, actor: "cli")
            // Bounded polling: the outcome, not how long it took, is the property.
            var valid = true
            for _ in 0..<1_000 where valid {
                try await Task.sleep(for: .milliseconds(10))
                valid = await keyring.authenticate(key) != nil
            }
            group.cancelAll()
            return valid
        }
        #expect(!stillValid)
    }

    @Test func aBucketSurvivesReloadsSoThatReloadingNeverRefillsIt() async throws {
        let (key, _) = try await administration.create(workspace: .default, scope: .read, label: "x", rate: nil, actor: "cli")
        let keyring = APIKeyring(store: store, rateLimit: try RateLimit(perSecond: 1, burst: 1))
        try await keyring.reload()
        let first = try #require(await keyring.authenticate(key)?.limiter)
        #expect(first.acquire(now: 7) == .admitted)
        try await keyring.reload()
        let second = try #require(await keyring.authenticate(key)?.limiter)
        #expect(first === second)
        #expect(second.acquire(now: 7) != .admitted)
        keyring.setDefaultRateLimit(nil)
        #expect(await keyring.authenticate(key)?.limiter == nil)
    }

    @Test(arguments: [("", nil), (String(repeating: "x", count: 65), nil), ("tab\there", nil), ("ok", 0.0), ("ok", -3), ("ok", .nan)])
    func badLabelsAndRatesAreRefusedAndStoreNothing(_ label: String, _ rate: Double?) async throws {
        let before = try await store.keys()
        await #expect(throws: AttuneError.self) {
            try await administration.create(workspace: .default, scope: .admin, label: label, rate: rate ?? 1, actor: "cli")
        }
        #expect(try await store.keys() == before)
        #expect(try await store.auditRecords(after: 0, limit: 10).isEmpty)
    }

    @Test func unknownWorkspacesAndKeysAreNotFound() async throws {
        await #expect(throws: AttuneError.notFound("workspace")) {
            try await administration.create(workspace: WorkspaceID(unchecked: "nope"), scope: .admin, label: "x", rate: nil, actor: "cli")
        }
        await #expect(throws: AttuneError.notFound("key")) { try await administration.revoke(id: "key_000000000000", actor: "cli") }
    }

    @Test func creationAndRevocationAreAudited() async throws {
        let (_, record) = try await administration.create(workspace: .default, scope: .read, label: "a", rate: nil, actor: "cli")
        _ = try await administration.revoke(id: record.id, actor: "key_admin")
        let rows = try await store.auditRecords(after: 0, limit: 10)
        #expect(rows.map(\.entry.action) == [.keyCreated, .keyRevoked])
        #expect(rows.map(\.entry.subject) == [record.id, record.id])
        #expect(rows.map(\.entry.actor) == ["cli", "key_admin"])
        #expect(rows[0].entry.detail == "scope=read label=a")
    }
}
