import AttuneCore
import AttuneEngine
import AttunePostgres
import AttuneTestSupport
import Foundation
import Testing

/// The administrative commands with `--store postgres://`: what they change in the database is
/// what every running replica sees (keys, events, the served model version); the commands that
/// only work on a data directory say so instead of acting on a local SQLite file.
struct PostgresAdministrationTests {
    /// Nothing is reached: the refusal comes before any connection.
    @Test func aCommandThatOnlyWorksOnADataDirectoryRefusesTheStore() throws {
        let store = "postgres://attune@127.0.0.1:1/attune"
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "user_id,text\nu1,hello\n".write(to: directory.appendingPathComponent("texts.csv"), atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["train"], "`attune train`"),
            (["recommend", "--user", "u1"], "`attune recommend`"),
            (["keys", "rotate"], "`attune keys rotate`"),
            (["import", "texts", directory.appendingPathComponent("texts.csv").path], "`attune import texts`"),
        ]
        for (arguments, name) in cases {
            let (status, _, error) = try AttuneProcess.run(arguments + ["--store", store, "--data-dir", directory.path])
            #expect(status != 0 && status != 134 && status != 139, "\(arguments): \(error)")
            #expect(error.contains("\(name) is not supported with --store postgres://"), "\(arguments): \(error)")
        }
        // The environment variable counts as much as the flag: nothing falls back to SQLite quietly.
        let (status, _, error) = try AttuneProcess.run(["train", "--data-dir", directory.path], environment: ["ATTUNE_STORE": store])
        #expect(status != 0)
        #expect(error.contains("`attune train` is not supported"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("attune.sqlite").path))
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
    func theRetentionPurgeRunsOnTheDatabase() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let directory = FileManagerTemp.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let (status, output, error) = try AttuneProcess.run(
                ["retention", "purge", "--days", "30", "--store", PostgresProcessTests.url(database), "--data-dir", directory.path])
            #expect(status == 0, "\(error)")
            #expect(output.contains("retention: deleted 0 events older than 30 days"), "\(output)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("attune.sqlite").path))
        }
    }

    @Test func aDatabaseThatCannotBeReachedIsAClearError() throws {
        let (status, _, error) = try AttuneProcess.run(
            ["keys", "list", "--store", "postgres://attune:s3cr3t-never-shown@127.0.0.1:1/attune?connect_timeout=2",
             "--data-dir", FileManagerTemp.directory().path])
        #expect(status != 0 && status != 134 && status != 139, "\(error)")
        #expect(error.contains("127.0.0.1:1/attune"), "\(error)")
        #expect(!error.contains("s3cr3t-never-shown"), "\(error)")
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage), .timeLimit(.minutes(5)))
    func keysMadeOnTheDatabaseReachARunningReplica() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let directory = FileManagerTemp.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keys = try PostgresProcessTests.generatedKeys()
            let store = ["--store", PostgresProcessTests.url(database), "--data-dir", directory.appendingPathComponent("cli").path]
            let replica = try RunningAttune(
                ["serve", "--role", "api", "--port", "0", "--store", PostgresProcessTests.url(database),
                 "--data-dir", directory.appendingPathComponent("replica").path],
                in: directory, name: "replica", environment: keys)
            defer { replica.kill9() }
            #expect(try await replica.waitForOutput("role: api"), "\(replica.output)\(replica.log)")
            let client = BlockingClient(port: try PostgresProcessTests.port(replica.output))

            let (created, output, error) = try AttuneProcess.run(
                ["keys", "create", "--scope", "write", "--label", "shop"] + store, environment: keys)
            #expect(created == 0, "\(error)")
            // "key ID created in …", then the key itself.
            let lines = output.split(separator: "\n").map(String.init)
            try #require(lines.count >= 2 && lines[0].hasPrefix("key "), "\(output)")
            let key = lines[1]
            let id = String(lines[0].split(separator: " ")[1])
            let event = { #"{"batch": [{"id": "\#(UUID().uuidString.lowercased())", "type": "view", "userId": "u1", "itemId": "i1"}]}"# }
            #expect(try await Self.eventually { client.post(path: "/v1/events", key: key, body: event()) == 200 })

            let (listed, listing, _) = try AttuneProcess.run(["keys", "list"] + store, environment: keys)
            #expect(listed == 0)
            #expect(listing.contains(id) && listing.contains("shop"), "\(listing)")

            let (revoked, _, revokeError) = try AttuneProcess.run(["keys", "revoke", id] + store, environment: keys)
            #expect(revoked == 0, "\(revokeError)")
            #expect(try await Self.eventually { client.post(path: "/v1/events", key: key, body: event()) == 401 })

            let (made, workspaceOutput, workspaceError) = try AttuneProcess.run(
                ["workspaces", "create", "shop"] + store, environment: keys)
            #expect(made == 0, "\(workspaceError)")
            #expect(workspaceOutput.contains("admin key: "))
            let (again, _, againError) = try AttuneProcess.run(["workspaces", "create", "shop"] + store, environment: keys)
            #expect(again != 0)
            #expect(againError.contains("already exists"), "\(againError)")
            let (_, workspaces, _) = try AttuneProcess.run(["workspaces", "list"] + store, environment: keys)
            #expect(workspaces.contains("shop\t") && workspaces.contains("default\t"), "\(workspaces)")
            #expect(replica.stop() == 0, "\(replica.log)")
        }
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage), .timeLimit(.minutes(5)))
    func eventsImportedIntoTheDatabaseAreReadThroughAReplica() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let directory = FileManagerTemp.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keys = try PostgresProcessTests.generatedKeys()
            let admin = try #require(keys["ATTUNE_ADMIN_KEY"])
            let url = PostgresProcessTests.url(database)
            let cli = directory.appendingPathComponent("cli").path
            let ids = (0..<20).map { _ in UUID().uuidString.lowercased() }
            var csv = "event_id,user_id,item_id,timestamp,type\n"
            for (n, id) in ids.enumerated() { csv += "\(id),u\(n % 4),i\(n % 7),\(1_700_000_000 + n),view\n" }
            let file = directory.appendingPathComponent("events.csv")
            try csv.write(to: file, atomically: true, encoding: .utf8)

            // Personal data is protected with the keys every process shares: without them, nothing is imported.
            var withoutKeys = keys
            withoutKeys["ATTUNE_PII_KEYS"] = ""
            let (refused, _, refusal) = try AttuneProcess.run(
                ["import", "events", file.path, "--store", url, "--data-dir", cli], environment: withoutKeys)
            #expect(refused != 0)
            #expect(refusal.contains("ATTUNE_PII_KEYS"), "\(refusal)")

            let (imported, output, error) = try AttuneProcess.run(
                ["import", "events", file.path, "--store", url, "--data-dir", cli], environment: keys)
            #expect(imported == 0, "\(output)\(error)")
            #expect(!FileManager.default.fileExists(atPath: cli + "/attune.sqlite"), "nothing written to a local SQLite file")

            let replica = try RunningAttune(
                ["serve", "--role", "api", "--port", "0", "--store", url, "--data-dir", directory.appendingPathComponent("replica").path],
                in: directory, name: "replica", environment: keys)
            defer { replica.kill9() }
            #expect(try await replica.waitForOutput("role: api"), "\(replica.output)\(replica.log)")
            let client = BlockingClient(port: try PostgresProcessTests.port(replica.output))
            let stored = try client.storedEventIDList(users: ["u0", "u1", "u2", "u3"], key: admin)
            #expect(stored.count == ids.count)
            #expect(Set(stored) == Set(ids))

            // The same file again adds nothing (event ids), and the audit log on the database is intact.
            let (twice, _, _) = try AttuneProcess.run(["import", "events", file.path, "--store", url, "--data-dir", cli], environment: keys)
            #expect(twice == 0)
            #expect(try client.storedEventIDList(users: ["u0", "u1", "u2", "u3"], key: admin).count == ids.count)
            let (verified, verification, _) = try AttuneProcess.run(["audit", "verify", "--store", url, "--data-dir", cli], environment: keys)
            #expect(verified == 0 && verification.contains("audit log intact"), "\(verification)")
            #expect(replica.stop() == 0, "\(replica.log)")
        }
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage), .timeLimit(.minutes(5)))
    func promotingAndRollingBackOnTheDatabaseChangesWhatAReplicaServes() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let directory = FileManagerTemp.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keys = try PostgresProcessTests.generatedKeys()
            let admin = try #require(keys["ATTUNE_ADMIN_KEY"])
            let url = PostgresProcessTests.url(database)
            let store = ["--store", url, "--data-dir", directory.appendingPathComponent("cli").path]

            // Two versions published as a worker publishes them.
            try await PostgresStore.withStore(database, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { trainer in
                try await trainer.ensureWorkspace(.default, at: Fixtures.now)
                let files = ModelFiles(dataDirectory: directory.appendingPathComponent("trainer").path)
                let models = PostgresModelStore(store: trainer)
                for version in 1...2 {
                    try files.save(try ModelSnapshot.syntheticALS(users: 20, items: 30, factors: 4, seed: UInt64(version), version: version))
                    try await models.publish(version: version, in: .default, from: files, at: Fixtures.now)
                }
            }
            let replica = try RunningAttune(
                ["serve", "--role", "api", "--port", "0", "--model-poll-seconds", "0.2", "--store", url,
                 "--data-dir", directory.appendingPathComponent("replica").path],
                in: directory, name: "replica", environment: keys)
            defer { replica.kill9() }
            #expect(try await replica.waitForOutput("role: api"), "\(replica.output)\(replica.log)")
            let client = BlockingClient(port: try PostgresProcessTests.port(replica.output))
            #expect(try await Self.eventually { try PostgresProcessTests.servedVersion(client, key: admin) == 2 })

            let (listed, listing, listError) = try AttuneProcess.run(["models", "list"] + store, environment: keys)
            #expect(listed == 0, "\(listError)")
            #expect(listing.contains("v1\tals") && listing.contains("v2\tals"), "\(listing)")
            #expect(listing.split(separator: "\n").contains { $0.hasPrefix("v2") && $0.hasSuffix("\tserved") }, "\(listing)")

            let (rolled, rollOutput, rollError) = try AttuneProcess.run(["models", "rollback"] + store, environment: keys)
            #expect(rolled == 0, "\(rollError)")
            #expect(rollOutput.contains("pinned v1 (was v2)"), "\(rollOutput)")
            #expect(try await Self.eventually { try PostgresProcessTests.servedVersion(client, key: admin) == 1 }, "\(replica.log)")
            let (_, pinnedListing, _) = try AttuneProcess.run(["models", "list"] + store, environment: keys)
            #expect(pinnedListing.split(separator: "\n").contains { $0.hasPrefix("v1") && $0.hasSuffix("served (pinned)") }, "\(pinnedListing)")

            let (latest, _, latestError) = try AttuneProcess.run(["models", "promote", "--latest"] + store, environment: keys)
            #expect(latest == 0, "\(latestError)")
            #expect(try await Self.eventually { try PostgresProcessTests.servedVersion(client, key: admin) == 2 }, "\(replica.log)")

            let (unknown, _, unknownError) = try AttuneProcess.run(["models", "promote", "7"] + store, environment: keys)
            #expect(unknown != 0)
            #expect(unknownError.contains("model version 7"), "\(unknownError)")
            #expect(try PostgresProcessTests.servedVersion(client, key: admin) == 2)
            #expect(replica.stop() == 0, "\(replica.log)")
        }
    }

    @Test(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage), .timeLimit(.minutes(5)))
    func segmentsProfilesAndMergesWorkOnTheDatabase() async throws {
        try await PostgresTestServer.withFreshDatabase { database in
            let directory = FileManagerTemp.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keys = try PostgresProcessTests.generatedKeys()
            let store = ["--store", PostgresProcessTests.url(database), "--data-dir", directory.appendingPathComponent("cli").path]
            var csv = "user_id,item_id,timestamp,type\n"
            for n in 0..<12 { csv += "u\(n % 3),i\(n % 5),\(1_700_000_000 + n),\(n % 4 == 0 ? "purchase" : "view")\n" }
            let file = directory.appendingPathComponent("events.csv")
            try csv.write(to: file, atomically: true, encoding: .utf8)
            func run(_ arguments: [String]) throws -> (Int32, String, String) {
                try AttuneProcess.run(arguments + store, environment: keys)
            }
            #expect(try run(["import", "events", file.path]).0 == 0)

            let (created, creation, creationError) = try run(["segment", "create", "--name", "buyers", "--rule", "traits.purchases >= 1"])
            #expect(created == 0, "\(creationError)")
            #expect(creation.contains("created with"), "\(creation)")
            let (_, listing, _) = try run(["segment", "list"])
            #expect(listing.contains("\tbuyers"), "\(listing)")
            let (checked, check, checkError) = try run(["profiles", "rebuild", "--check"])
            #expect(checked == 0, "\(check)\(checkError)")
            #expect(check.contains("profiles: 3 users from 12 events"), "\(check)")

            let (merged, merge, mergeError) = try run(["users", "merge", "u0", "u1", "--canonical", "u0"])
            #expect(merged == 0, "\(mergeError)")
            #expect(merge.contains("u1 into u0"), "\(merge)")
            let (_, shown, _) = try run(["audit", "show", "--last", "5"])
            #expect(shown.contains("u0") || shown.contains("merge"), "\(shown)")
        }
    }

    /// Whether `condition` holds within 30 seconds (a replica reloads keys every second and
    /// copies a pin when it is announced).
    static func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try condition()
    }
}
