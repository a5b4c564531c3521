import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import GRDB
import Testing

/// `keys retire` removes the old keys only once nothing stored is under them: a process still on
/// an old key may write a row behind the re-encryption pass's cursor.
struct PIIKeyRetirementTests {
    static let email = #"{"email":"retire.me@example.org","plan":"pro"}"#

    struct Setup {
        let directory: TemporaryDirectory
        let store: SQLiteStore
        let rotation: PIIKeyRotation
        let oldKeys: PIIKeys
        /// `email` encrypted under the old key.
        let oldText: String

        init() async throws {
            directory = try TemporaryDirectory()
            let path = directory.url.path
            oldKeys = try PIIKeys.load(dataDirectory: path, environment: [:])
            store = try DataDirectory.openStore(path)
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            rotation = PIIKeyRotation(store: store, clock: FixedClock(), dataDirectory: path)
            _ = try await rotation.run(environment: [:], actor: "cli")
            oldText = try PIIProtection(keys: oldKeys).protect(PIIKeyRetirementTests.email)
        }

        func traits(of user: String) async throws -> String? {
            try await store.writer.read { db in
                try String.fetchOne(db, sql: "SELECT traits FROM user_traits WHERE user_id = ?", arguments: [user])
            }
        }

        func insertStraggler(_ user: String) async throws {
            try await store.writer.write { [oldText] db in
                try db.execute(
                    sql: """
                        INSERT INTO user_traits (workspace, user_id, traits, updated_at)
                        SELECT pk, ?, ?, 0 FROM workspaces WHERE name = 'default'
                        """,
                    arguments: [user, oldText])
            }
        }
    }

    @Test func aRowWrittenBehindThePassUnderTheOldKeyIsEncryptedAgainBeforeTheKeyGoes() async throws {
        let setup = try await Setup()
        try await setup.insertStraggler("u1")
        // While the pass rewrites u1, an old process writes u0, behind the pass's cursor.
        try await setup.store.writer.write { [oldText = setup.oldText] db in
            try db.execute(sql: """
                CREATE TRIGGER zq_straggler AFTER UPDATE ON user_traits WHEN new.user_id = 'u1'
                BEGIN
                    INSERT OR REPLACE INTO user_traits (workspace, user_id, traits, updated_at)
                    VALUES (new.workspace, 'u0', '\(oldText)', 0);
                END
                """)
        }

        let report = try await setup.rotation.retire(environment: [:], actor: "cli")
        #expect(report.retired == [setup.oldKeys.current])
        #expect(report.users == 2, "u1 in the first pass, u0 in the second")
        let keys = try PIIKeys.load(dataDirectory: setup.directory.url.path, environment: [:])
        #expect(Array(keys.encryption.keys) == [keys.current])
        let protection = PIIProtection(keys: keys)
        for user in ["u0", "u1"] {
            let text = try #require(try await setup.traits(of: user))
            #expect(protection.keyIDs(text) == [keys.current], "\(user) is under the current key")
            #expect(protection.reveal(text).contains("retire.me@example.org"), "\(user) reads back")
        }
    }

    @Test func aWriterThatKeepsUsingTheOldKeyStopsTheRetirementAndNoKeyIsRemoved() async throws {
        let setup = try await Setup()
        try await setup.insertStraggler("u0")
        // Every re-encryption of u0 is overwritten at once under the old key.
        try await setup.store.writer.write { [oldText = setup.oldText] db in
            try db.execute(sql: """
                CREATE TRIGGER zq_stubborn AFTER UPDATE ON user_traits WHEN new.user_id = 'u0'
                BEGIN
                    UPDATE user_traits SET traits = '\(oldText)' WHERE workspace = new.workspace AND user_id = 'u0';
                END
                """)
        }

        let error = try await #require(throws: AttuneError.self) {
            try await setup.rotation.retire(environment: [:], actor: "cli")
        }
        #expect(error.code == .conflict)
        #expect(error.message.contains("1 stored declared-traits rows"), "\(error.message)")
        let keys = try PIIKeys.load(dataDirectory: setup.directory.url.path, environment: [:])
        #expect(keys.encryption[setup.oldKeys.current] != nil, "the old key is kept")
        let text = try #require(try await setup.traits(of: "u0"))
        #expect(PIIProtection(keys: keys).reveal(text).contains("retire.me@example.org"), "and u0 still reads back")
    }
}
