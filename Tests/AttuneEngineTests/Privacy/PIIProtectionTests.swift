import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

struct PIIProtectionTests {
    static let email = "Jane.Pii@Example.org"
    static let traits = #"{"email":"\#(email)","name":"Jane Pii","phone":"+44 7700 900731","plan":"pro","score":3}"#

    @Test func personalAttributesAreStoredAsATokenAndCiphertextAndRevealedIntact() throws {
        let protection = PIIProtection(keys: PIIKeys.generate())
        let stored = try protection.protect(Self.traits)
        // The phone as sent and as its digits; a shorter piece of it (`7700`) turns up in a random
        // hex token or base64 ciphertext now and then.
        for raw in [Self.email, "Jane Pii", "7700 900731", "447700900731"] {
            #expect(!stored.contains(raw), "\(raw) in \(stored)")
        }
        let json = try JSONParser().parse(stored)
        #expect(json["plan"] == .string("pro"), "other attributes stay as they are")
        #expect(json["score"] == .number(3))
        #expect(json["email"]?["$pii"]?["token"] == .string(protection.token(Self.email, field: "email")))
        #expect(try JSONParser().parse(protection.reveal(stored)) == JSONParser().parse(Self.traits))
        #expect(try protection.protect(stored) == stored, "protecting twice changes nothing")
    }

    @Test func tokensMatchNormalisedValuesAndCiphertextsDiffer() throws {
        let protection = PIIProtection(keys: PIIKeys.generate())
        #expect(protection.token(" jane.pii@example.ORG ", field: "email") == protection.token(Self.email, field: "email"))
        #expect(protection.token("+44 (7700) 900-731", field: "phone") == protection.token("447700900731", field: "phone"))
        #expect(protection.token("a@example.org", field: "email") != protection.token("b@example.org", field: "email"))
        let one = try protection.protect(#"{"email":"a@example.org"}"#)
        let two = try protection.protect(#"{"email":"a@example.org"}"#)
        #expect(one == two, "an unchanged value seals to the same bytes, so rewriting it changes nothing")
        let nonce = { (text: String) throws -> String in
            try #require(JSONParser().parse(text)["email"]?["$pii"]?["value"]?.stringValue).split(separator: ":")[1].prefix(16).description
        }
        let three = try protection.protect(#"{"email":"b@example.org"}"#)
        #expect(try nonce(one) != nonce(three), "distinct values get distinct nonces")
        let name = try protection.protect(#"{"name":"a@example.org"}"#)
        #expect(try JSONParser().parse(name)["name"]?["$pii"]?["value"] != JSONParser().parse(one)["email"]?["$pii"]?["value"],
                "the field is part of the nonce")
        let other = PIIProtection(keys: PIIKeys.generate())
        #expect(other.token("a@example.org", field: "email") != protection.token("a@example.org", field: "email"), "keyed")
        #expect(try JSONParser().parse(other.reveal(one))["email"] == .null, "another key cannot read it")
    }

    @Test func configuredFieldsAndNullsInPatches() throws {
        let protection = PIIProtection(keys: PIIKeys.generate(), fields: PIIProtection.defaultFields.union(["customer_ref"]))
        let stored = try protection.protect(#"{"customer_ref":"CR-77","email":null,"ip":"203.0.113.7"}"#)
        #expect(!stored.contains("CR-77") && !stored.contains("203.0.113.7"))
        #expect(try JSONParser().parse(stored)["email"] == .null, "a removal stays a removal")
    }

    @Test func theKeyFileIsPrivateAndRoundTrips() throws {
        let directory = try TemporaryDirectory()
        #expect(try PIIKeys.loadIfPresent(dataDirectory: directory.url.path, environment: [:]) == nil)
        let keys = try PIIKeys.load(dataDirectory: directory.url.path, environment: [:])
        let path = directory.url.appendingPathComponent(PIIKeys.fileName).path
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try #require(try PIIKeys.loadIfPresent(dataDirectory: directory.url.path, environment: [:]))
        #expect(again.json == keys.json)
        let fromEnvironment = try PIIKeys.load(
            dataDirectory: "/nonexistent", environment: [PIIKeys.environmentVariable: keys.json])
        #expect(fromEnvironment.json == keys.json)
        #expect(throws: AttuneError.self) { try PIIKeys(json: #"{"matching":"c2hvcnQ=","current":"k1","encryption":{}}"#) }
    }

    @Test func rotationReencryptsEveryStoredValueUnderANewKey() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let before = PIIProtection(keys: try PIIKeys.load(dataDirectory: directory.url.path, environment: [:]))
        for n in 0..<3 {
            try await store.record(
                Identify(anonymousID: nil, userID: UserID(unchecked: "u\(n)"), traits: try before.protect(Self.traits),
                         timestamp: Fixtures.now),
                in: .default)
        }
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "plain"), traits: #"{"plan":"free"}"#, timestamp: Fixtures.now),
            in: .default)
        let rotation = PIIKeyRotation(store: store, clock: FixedClock(), dataDirectory: directory.url.path)
        let report = try await rotation.run(environment: [:], actor: "cli")
        #expect(report.key == "k2")
        #expect(report.users == 3)
        #expect(report.declarations == 3, "each user's declaration through the API is encrypted again too")
        let keys = try PIIKeys.load(dataDirectory: directory.url.path, environment: [:])
        #expect(keys.current == "k2")
        let after = PIIProtection(keys: keys)
        for n in 0..<3 {
            let stored = try #require(try await store.traits(of: UserID(unchecked: "u\(n)"), in: .default))
            #expect(stored.contains("\"k2:") && !stored.contains("\"k1:"))
            #expect(try JSONParser().parse(after.reveal(stored)) == JSONParser().parse(Self.traits))
            #expect(try JSONParser().parse(stored)["email"]?["$pii"]?["token"]
                == .string(before.token(Self.email, field: "email")), "tokens still match")
        }
        #expect(try await store.latestAudit(.piiKeyRotated)?.entry.detail == "key=k2 users=3 declarations=3")
        await #expect(throws: AttuneError.self) {
            _ = try await rotation.run(environment: [PIIKeys.environmentVariable: keys.json], actor: "cli")
        }
    }
}
