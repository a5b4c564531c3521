import ArgumentParser
import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

@testable import attune

struct UsersCommandTests {
    /// A data directory with one user, their linked visitor and declared traits.
    func dataDirectory() async throws -> (URL, String) {
        let directory = FileManagerTemp.directory()
        let data = directory.appendingPathComponent("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: data + "/attune.sqlite")
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: "cli-user"), Fixtures.event(2, user: nil, anonymous: "cli-visitor"),
            Fixtures.event(3, user: "other", at: -400 * 86_400_000),
        ])])
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "cli-visitor"), userID: UserID(unchecked: "cli-user"),
                     traits: #"{"email":"cli@example.org"}"#, timestamp: Fixtures.now),
            in: .default)
        return (directory, data)
    }

    @Test func usersAreExportedToAFileThenErased() async throws {
        let (directory, data) = try await dataDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("export.json").path
        let (exported, _, exportErr) = try AttuneProcess.run(["users", "export", "--data-dir", data, "cli-user", "--output", output])
        #expect(exported == 0, "\(exportErr)")
        let document = try JSONParser().parse(try String(contentsOfFile: output, encoding: .utf8))
        #expect(document["declared"]?["email"]?.stringValue == "cli@example.org")
        guard case .array(let events)? = document["events"] else { Issue.record("no events"); return }
        #expect(events.count == 2)

        let (erased, receipt, eraseErr) = try AttuneProcess.run(["users", "erase", "--data-dir", data, "cli-user"])
        #expect(erased == 0, "\(eraseErr)")
        let json = try JSONParser().parse(receipt)
        #expect(json["deleted"]?["events"] == .number(2))
        #expect(!receipt.contains("cli-user"))
        let (again, _, againErr) = try AttuneProcess.run(["users", "erase", "--data-dir", data, "cli-user"])
        #expect(again == 1)
        #expect(againErr.contains("no data"))
        let (missing, _, _) = try AttuneProcess.run(["users", "export", "--data-dir", data, "cli-user"])
        #expect(missing == 1)
        let (_, audit, _) = try AttuneProcess.run(["audit", "show", "--data-dir", data])
        #expect(audit.contains("user.export"))
        #expect(audit.contains("user.erase"))
        #expect(!audit.contains("cli-user"))
    }

    @Test func retentionPurgeDeletesOldEventsOnce() async throws {
        let (directory, data) = try await dataDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Fixture events are dated 2026-01-01 and one 400 days before; a limit of 100 years keeps all.
        let (kept, keptOut, _) = try AttuneProcess.run(["retention", "purge", "--data-dir", data, "--days", "36500"])
        #expect(kept == 0)
        #expect(keptOut.contains("deleted 0 events"))
        let (purged, out, err) = try AttuneProcess.run(["retention", "purge", "--data-dir", data, "--days", "1"])
        #expect(purged == 0, "\(err)")
        #expect(out.contains("deleted 3 events"))
    }

    @Test(arguments: [
        ["users", "erase"],
        ["users", "erase", ""],
        ["users", "export", "a\u{1}b"],
        ["retention", "purge"],
        ["retention", "purge", "--days", "0"],
        ["serve", "--retention-days", "0"],
    ])
    func rejectsInvalidArguments(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try AttuneCommand.parseAsRoot(arguments) }
    }

    @Test func parsesRetentionForServe() throws {
        let serve = try #require(try AttuneCommand.parseAsRoot(["serve", "--retention-days", "90"]) as? ServeCommand)
        #expect(serve.jobs.retentionDays == 90)
        let plain = try #require(try AttuneCommand.parseAsRoot(["serve"]) as? ServeCommand)
        #expect(plain.jobs.retentionDays == nil)
    }
}
