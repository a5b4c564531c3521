import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Crypto
import Testing

struct APIKeyringTests {
    @Test func generatedKeysAreStoredOnlyAsDigestsAndAuthenticate() async throws {
        let files = try TemporaryDirectory()
        let store = try SQLiteStore()
        let clock = FixedClock()
        let outcome = try await KeyProvisioning(store: store, clock: clock)
            .provision(dataDirectory: files.url.path, adminKey: nil, writeKey: nil)
        #expect(outcome.source == .generatedNow)
        let admin = try #require(outcome.adminKey)
        let write = try #require(outcome.writeKey)
        #expect(admin.hasPrefix("atn_admin_"))
        for key in try await store.keys() {
            #expect(key.digest.count == 32)
            #expect(!key.digest.elementsEqual(Array(admin.utf8)))
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: outcome.credentialsPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        #expect(await keyring.authenticate(admin)?.scope == .admin)
        #expect(await keyring.authenticate(write)?.scope == .write)
        #expect(await keyring.authenticate(write + "x") == nil)
        #expect(await keyring.authenticate("") == nil)

        let again = try await KeyProvisioning(store: store, clock: clock)
            .provision(dataDirectory: files.url.path, adminKey: nil, writeKey: nil)
        #expect(again.source == .credentialsFile)
        #expect(again.adminKey == admin)
    }

    @Test func environmentKeysReplaceEarlierOnes() async throws {
        let files = try TemporaryDirectory()
        let store = try SQLiteStore()
        let provisioning = KeyProvisioning(store: store, clock: FixedClock())
        _ = try await provisioning.provision(dataDirectory: files.url.path, adminKey: "first-admin-key-123456", writeKey: nil)
        _ = try await provisioning.provision(dataDirectory: files.url.path, adminKey: "second-admin-key-123456", writeKey: nil)
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        #expect(await keyring.authenticate("first-admin-key-123456") == nil)
        #expect(await keyring.authenticate("second-admin-key-123456")?.scope == .admin)
        await #expect(throws: AttuneError.self) {
            try await provisioning.provision(dataDirectory: files.url.path, adminKey: "short", writeKey: nil)
        }
    }

    @Test func aRevokedKeyStaysRevokedAcrossRestarts() async throws {
        let files = try TemporaryDirectory()
        let store = try SQLiteStore()
        let provisioning = KeyProvisioning(store: store, clock: FixedClock())
        let first = try await provisioning.provision(dataDirectory: files.url.path, adminKey: nil, writeKey: nil)
        let admin = try #require(first.adminKey)
        let adminID = try #require(try await store.keys().first { $0.digest == APIKeyFactory.digest(of: admin) }?.id)
        _ = try await KeyAdministration(store: store, clock: FixedClock()).revoke(id: adminID, actor: "cli")
        let restarted = try await provisioning.provision(dataDirectory: files.url.path, adminKey: nil, writeKey: nil)
        #expect(restarted.adminKey == nil)
        #expect(restarted.writeKey == first.writeKey)
        let keyring = APIKeyring(store: store)
        try await keyring.reload()
        #expect(await keyring.authenticate(admin) == nil)

        _ = try await provisioning.provision(dataDirectory: files.url.path, adminKey: "env-admin-key-123456", writeKey: nil)
        let envID = try #require(try await store.keys().first { $0.label == "env:admin" }?.id)
        _ = try await KeyAdministration(store: store, clock: FixedClock()).revoke(id: envID, actor: "cli")
        await #expect(throws: AttuneError.self) {
            try await provisioning.provision(dataDirectory: files.url.path, adminKey: "env-admin-key-123456", writeKey: nil)
        }
    }

    @Test func aBadEnvironmentKeyChangesNothing() async throws {
        let files = try TemporaryDirectory()
        let store = try SQLiteStore()
        let provisioning = KeyProvisioning(store: store, clock: FixedClock())
        _ = try await provisioning.provision(dataDirectory: files.url.path, adminKey: "good-admin-key-123456", writeKey: nil)
        let before = try await store.keys()
        await #expect(throws: AttuneError.self) {
            try await provisioning.provision(dataDirectory: files.url.path, adminKey: "other-admin-key-123456", writeKey: "bad key")
        }
        #expect(try await store.keys() == before)
    }

    @Test func environmentKeyChangesAreAuditedOnlyWhenTheyChange() async throws {
        let files = try TemporaryDirectory()
        let store = try SQLiteStore()
        let provisioning = KeyProvisioning(store: store, clock: FixedClock())
        for key in ["first-admin-key-123456", "first-admin-key-123456", "second-admin-key-123456"] {
            _ = try await provisioning.provision(dataDirectory: files.url.path, adminKey: key, writeKey: nil)
        }
        let actions = try await store.auditRecords(after: 0, limit: 10).map(\.entry.action)
        #expect(actions == [.keyCreated, .keyRevoked, .keyCreated])
        #expect(try await AuditLog(store: store, clock: FixedClock()).verify().isIntact)
    }

    @Test func newWorkspacesGetTheirOwnKeys() async throws {
        let store = try SQLiteStore()
        let provisioning = KeyProvisioning(store: store, clock: FixedClock())
        let keys = try await provisioning.createWorkspace(WorkspaceID(unchecked: "shop-b"))
        let keyring = APIKeyring(store: store)
        #expect(await keyring.authenticate(keys.admin) == Principal(workspace: WorkspaceID(unchecked: "shop-b"), scope: .admin, keyID: try await store.keys().first { $0.scope == .admin }!.id))
        await #expect(throws: AttuneError.self) { try await provisioning.createWorkspace(WorkspaceID(unchecked: "shop-b")) }
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2], [1, 2, 3]))
    }

    /// A presented key's digest is the SHA-256 its stored record holds, whatever bytes it has.
    @Test func keyDigestsAreTheSHA256OfTheKey() {
        for key in ["atn_admin_abc", "é ∑ 🔑", String(repeating: "k", count: 256)] {
            let stored = Array(SHA256.hash(data: Array(key.utf8)))
            #expect(KeyDigest(of: key) == KeyDigest(stored))
            #expect(KeyDigest(of: key).hashValue == KeyDigest(stored)?.hashValue)
            var other = stored
            other[31] ^= 1
            #expect(KeyDigest(of: key) != KeyDigest(other))
        }
        #expect(KeyDigest(Array(repeating: 0, count: 31)) == nil)
        #expect(KeyDigest(Array(repeating: 0, count: 33)) == nil)
    }
}
