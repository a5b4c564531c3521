import AttuneCore
import AttuneEngine
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

/// `attune keys rotate` then `attune keys retire`: after both, with only the new key left, every
/// protected value written through any path reads back, matching by token (identifiers, event
/// tokens, segment rules, merges by e-mail) still works, and no ciphertext under the old key is
/// left in any file of the data directory.
struct KeyRotationTests {
    static let annEmail = "ann.rotation@example.org"
    static let carlaEmail = "carla.rotation@example.org"
    static let carlaPhone = "+447700900123"

    @Test func afterRotationAndRetirementEveryPathStillReadsAndMatches() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-rotation-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.path
        let oldKeys = try PIIKeys.load(dataDirectory: path, environment: [:])
        let store = try DataDirectory.openStore(path)

        // Before: an identify with an admin key (traits and identifiers), a PATCH, an event carrying
        // an e-mail, a text, and a CRM import with e-mail, phone and its own source.
        var server = try TestServer(store: store)
        server.pii = PIIProtection(keys: oldKeys)
        server.identifierKeys = oldKeys
        try await server.makeApplication().test(.router) { client in
            let identify = try await client.call(
                .post, "/v1/identify",
                body: #"{"userId": "u1", "traits": {"email": "\#(Self.annEmail)", "name": "Ann Rotation", "plan": "pro"}}"#)
            #expect(identify.status == 200, "\(identify.text)")
            let patched = try await client.call(.patch, "/v1/users/u1", body: #"{"address": "1 Rotation Street"}"#)
            #expect(patched.status == 200, "\(patched.text)")
            let events = try await client.call(
                .post, "/v1/events", key: TestServer.write,
                body: #"{"type": "purchase", "userId": "u1", "itemId": "i1", "properties": {"email": "\#(Self.annEmail)"}}"#)
            #expect(events.status == 200, "\(events.text)")
            let text = try await client.call(
                .post, "/v1/users/u1/texts", key: TestServer.write, body: #"{"text": "the i1 is lovely", "source": "review"}"#,
                contentType: "application/json")
            #expect(text.status < 300, "\(text.text)")
        }
        _ = try await Self.importUsers(
            "user_id,email,phone,name\nc1,Carla.Rotation@Example.org,+44 7700 900123,Carla Crm\n", source: "crm",
            keys: oldKeys, store: store, directory: directory)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(900_001, user: "c1", item: "i2")])])

        let oldCiphertexts = try await Self.ciphertexts(in: store, key: oldKeys.current)
        #expect(oldCiphertexts.count >= 6, "u1's and c1's traits, resolved and per source: \(oldCiphertexts.count)")
        try await store.checkpoint()
        #expect(oldCiphertexts.contains { !Self.files(in: directory, containing: $0).isEmpty }, "found before rotation")

        // Rotate, then retire the old key (as after every server restarted with the new one).
        let rotation = PIIKeyRotation(store: store, clock: FixedClock(), dataDirectory: path)
        let rotated = try await rotation.run(environment: [:], actor: "cli")
        #expect(rotated.users == 2)
        #expect(rotated.declarations == 2, "u1's through the API (identify and PATCH), c1's through the CRM")
        let retired = try await rotation.retire(environment: [:], actor: "cli")
        #expect(retired.retired == [oldKeys.current])
        #expect(retired.users == 0 && retired.declarations == 0, "nothing was left under the old key")
        let newKeys = try PIIKeys.load(dataDirectory: path, environment: [:])
        #expect(Array(newKeys.encryption.keys) == [newKeys.current])
        #expect(newKeys.current != oldKeys.current)

        // A restarted process: the store opened again, with only the new key.
        let reopened = try DataDirectory.openStore(path)
        server = try TestServer(store: reopened)
        server.pii = PIIProtection(keys: newKeys)
        server.identifierKeys = newKeys
        let shopImport = try await Self.importUsers(
            "user_id,email,name\ns1,  carla.rotation@EXAMPLE.org ,Shop Carla\n", source: "shop", keys: newKeys, store: reopened,
            directory: directory)
        #expect(shopImport.imported == 1)
        #expect(try await reopened.canonicalUser(of: UserID(unchecked: "s1"), in: .default) == UserID(unchecked: "c1"),
                "an e-mail imported under the old key still matches")
        try await server.makeApplication().test(.router) { client in
            let ann = try await client.call(.get, "/v1/users/u1")
            #expect(ann.status == 200, "\(ann.text)")
            #expect(ann.json?["declared"]?["email"] == .string(Self.annEmail))
            #expect(ann.json?["declared"]?["name"] == .string("Ann Rotation"))
            #expect(ann.json?["declared"]?["address"] == .string("1 Rotation Street"))
            let carla = try await client.call(.get, "/v1/users/c1")
            #expect(carla.json?["declared"]?["phone"] == .string("+44 7700 900123"), "\(carla.text)")
            #expect(carla.json?["declared"]?["email"] != nil && carla.json?["declared"]?["email"] != .null)

            // A merge by e-mail through identify: the identifier stored under the old key matches.
            let identify = try await client.call(
                .post, "/v1/identify", body: #"{"userId": "w1", "traits": {"email": "  ANN.rotation@example.org"}}"#)
            #expect(identify.json?["canonicalUserId"] == .string("u1"), "\(identify.text)")

            // A rule over a protected attribute compares the values.
            let created = try await client.call(
                .post, "/v1/segments", body: #"{"name": "rotated", "rule": "ends_with(attributes.email, \"rotation@example.org\") or attributes.phone == \"+44 7700 900123\""}"#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json?["id"]?.stringValue)
            let members = try await client.call(.get, "/v1/segments/\(id)/members", key: TestServer.read)
            guard case .array(let listed)? = members.json?["members"] else {
                Issue.record("no members: \(members.text)")
                return
            }
            let ids = listed.compactMap(\.stringValue)
            #expect(Set(ids).isSuperset(of: ["u1", "c1"]), "\(members.text)")

            let export = try await client.call(.get, "/v1/users/u1/export")
            #expect(export.json?["declared"]?["email"] == .string(Self.annEmail))
            #expect(export.text.contains("the i1 is lovely"))
        }
        let events = try await reopened.events(of: UserID(unchecked: "u1"), in: .default, after: nil, limit: 10)
        let tokens = events.compactMap { $0.event.properties }.compactMap { try? JSONParser().parse($0)["email"]?["$pii"]?["token"] }
        #expect(tokens.contains(.string(PIIProtection(keys: newKeys).token(Self.annEmail, field: "email"))))
        let identity = IdentityResolution(store: reopened, clock: FixedClock(), keys: newKeys)
        let carlaIdentifiers = try await reopened.identifiers(of: [UserID(unchecked: "c1")], in: .default).map(\.value)
        #expect(carlaIdentifiers.contains(identity.storedValue(try PersonIdentifier.phone(Self.carlaPhone))))

        // Nothing under the old key is left in the files, the WAL included.
        #expect(try await Self.ciphertexts(in: reopened, key: oldKeys.current).isEmpty)
        try await reopened.checkpoint()
        for cipher in oldCiphertexts {
            #expect(Self.files(in: directory, containing: cipher).isEmpty, "an old ciphertext is still in the files")
        }
    }

    @Test func aRotationOfValuesUnderAKeyNoLongerHeldLeavesThemAndRetiringIsRepeatable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("attune-rotation-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.path
        let keys = try PIIKeys.load(dataDirectory: path, environment: [:])
        let store = try DataDirectory.openStore(path)
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let stranger = PIIProtection(keys: PIIKeys.generate())
        let foreign = try stranger.protect(#"{"email":"x@example.org"}"#)
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "u9"), traits: foreign, timestamp: Fixtures.now), in: .default)
        let rotation = PIIKeyRotation(store: store, clock: FixedClock(), dataDirectory: path)
        let report = try await rotation.run(environment: [:], actor: "cli")
        #expect(report.users == 0, "a value under a key that is not held cannot be moved and is left as it was")
        #expect(try await store.traits(of: UserID(unchecked: "u9"), in: .default) == foreign)
        _ = try await rotation.retire(environment: [:], actor: "cli")
        let again = try await rotation.retire(environment: [:], actor: "cli")
        #expect(again.retired.isEmpty)
        #expect(try PIIKeys.load(dataDirectory: path, environment: [:]).current == report.key)
        #expect(keys.current != report.key)
        #expect(try await store.latestAudit(.piiKeysRetired) != nil)
        await #expect(throws: AttuneError.self) {
            _ = try await rotation.retire(environment: [PIIKeys.environmentVariable: keys.json], actor: "cli")
        }
    }

    static func importUsers(
        _ csv: String, source: String, keys: PIIKeys, store: SQLiteStore, directory: URL
    ) async throws -> ImportReport {
        let file = directory.appendingPathComponent("users-\(source).csv")
        try Data(csv.utf8).write(to: file)
        var importer = UserImporter(store: store, clock: FixedClock())
        importer.pii = PIIProtection(keys: keys)
        importer.identity = IdentityResolution(store: store, clock: FixedClock(), keys: keys)
        importer.source = source
        let report = try await importer.run(path: file.path, workspace: .default)
        try FileManager.default.removeItem(at: file)
        return report
    }

    /// The base64 ciphertexts under `key` in every stored declared-traits text.
    static func ciphertexts(in store: SQLiteStore, key: String) async throws -> Set<String> {
        let texts = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT traits FROM user_traits UNION ALL SELECT traits FROM declared_sources")
        }
        var out: Set<String> = []
        for text in texts {
            for member in (try JSONParser().parse(text)).objectMembers ?? [] {
                guard let cipher = member.value["$pii"]?["value"]?.stringValue, cipher.hasPrefix(key + ":") else { continue }
                out.insert(String(cipher.dropFirst(key.count + 1)))
            }
        }
        return out
    }

    /// The names of the files under `directory` holding `text` byte for byte.
    static func files(in directory: URL, containing text: String) -> [String] {
        let needle = Data(text.utf8)
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        var found: [String] = []
        while let url = enumerator?.nextObject() as? URL {
            guard let data = try? Data(contentsOf: url), data.range(of: needle) != nil else { continue }
            found.append(url.lastPathComponent)
        }
        return found
    }
}
