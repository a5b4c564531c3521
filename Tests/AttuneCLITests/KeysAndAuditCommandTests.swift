import AttuneStore
import AttuneTestSupport
import Foundation
import GRDB
import Testing

struct KeysAndAuditCommandTests {
    @Test func keysAreCreatedListedRevokedAndAudited() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        #expect(try AttuneProcess.run(["workspaces", "create", "--data-dir", data, "shop"]).0 == 0)
        let (created, out, err) = try AttuneProcess.run(
            ["keys", "create", "--data-dir", data, "--workspace", "shop", "--scope", "read", "--label", "mobile", "--rate", "20"])
        #expect(created == 0, "\(err)")
        let lines = out.split(separator: "\n").map(String.init)
        let key = try #require(lines.first { $0.hasPrefix("atn_read_") })
        let id = try #require(lines.first?.split(separator: " ").dropFirst().first.map(String.init))
        #expect(id.hasPrefix("key_"))

        let (_, listing, _) = try AttuneProcess.run(["keys", "list", "--data-dir", data])
        let row = try #require(listing.split(separator: "\n").first { $0.hasPrefix(id) })
        #expect(row.contains("\tshop\tread\tmobile\t20.0\t"))
        #expect(row.hasSuffix("\t-"))
        #expect(!listing.contains(key))

        let (revoked, revokeOut, _) = try AttuneProcess.run(["keys", "revoke", "--data-dir", data, id])
        #expect(revoked == 0)
        #expect(revokeOut.contains("revoked"))
        let (again, _, againErr) = try AttuneProcess.run(["keys", "revoke", "--data-dir", data, id])
        #expect(again != 0)
        #expect(againErr.contains("already revoked"))
        let (unknown, _, unknownErr) = try AttuneProcess.run(["keys", "revoke", "--data-dir", data, "key_nothing"])
        #expect(unknown != 0)
        #expect(unknownErr.contains("no key has the id"))
        let (_, after, _) = try AttuneProcess.run(["keys", "list", "--data-dir", data])
        #expect(after.split(separator: "\n").first { $0.hasPrefix(id) }?.hasSuffix("\t-") == false)

        let (verified, report, _) = try AttuneProcess.run(["audit", "verify", "--data-dir", data])
        #expect(verified == 0)
        // workspace, its two keys, the new key and its revocation
        #expect(report.contains("intact: 5 rows"))
        let (_, shown, _) = try AttuneProcess.run(["audit", "show", "--data-dir", data])
        #expect(shown.contains("key.revoke"))
        #expect(shown.contains("workspace.create"))
    }

    @Test(arguments: [
        ["keys", "create", "--scope", "root"],
        ["keys", "create", "--scope", "read", "--rate", "0"],
        ["keys", "create", "--scope", "read", "--workspace", "Bad Name"],
        ["keys", "create"],
        ["keys", "revoke"],
        ["audit", "show", "--last", "0"],
    ])
    func badArgumentsAreRefused(_ arguments: [String]) throws {
        let (status, _, err) = try AttuneProcess.run(arguments + ["--data-dir", FileManagerTemp.directory().path])
        #expect(status != 0)
        #expect(!err.isEmpty)
    }

    @Test func aKeyForAMissingWorkspaceIsRefusedClearly() throws {
        let data = FileManagerTemp.directory().appendingPathComponent("data").path
        let (status, _, err) = try AttuneProcess.run(["keys", "create", "--data-dir", data, "--workspace", "ghost", "--scope", "admin"])
        #expect(status != 0)
        #expect(err.contains("does not exist"))
    }

    @Test func verifyExitsNonZeroAndNamesTheRowAfterTampering() async throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        #expect(try AttuneProcess.run(["workspaces", "create", "--data-dir", data, "shop"]).0 == 0)
        let store = try SQLiteStore(path: directory.appendingPathComponent("data/attune.sqlite").path)
        try await store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update")
            try db.execute(sql: "UPDATE audit_log SET detail = 'scope=admin label=other' WHERE seq = 2")
        }
        let (status, out, _) = try AttuneProcess.run(["audit", "verify", "--data-dir", data])
        #expect(status == 1)
        #expect(out.contains("row 2 was edited"))
    }

    /// The last rows deleted leave a chain that verifies; with the head printed before, verify
    /// fails naming them.
    @Test func verifyWithAnExpectedHeadFindsRowsCutOffTheEnd() async throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        #expect(try AttuneProcess.run(["workspaces", "create", "--data-dir", data, "shop"]).0 == 0)
        let (status, report, _) = try AttuneProcess.run(["audit", "verify", "--data-dir", data])
        #expect(status == 0)
        let head = try #require(report.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let sequence = try #require(head.split(separator: ":").first.flatMap { Int($0) })
        #expect(sequence >= 2, "\(report)")
        #expect(try AttuneProcess.run(["audit", "verify", "--data-dir", data, "--expect-head", head]).0 == 0)

        let store = try SQLiteStore(path: directory.appendingPathComponent("data/attune.sqlite").path)
        try await store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_delete")
            try db.execute(sql: "DELETE FROM audit_log WHERE seq = ?", arguments: [sequence])
        }
        #expect(try AttuneProcess.run(["audit", "verify", "--data-dir", data]).0 == 0, "the shorter chain is valid")
        let (cut, out, _) = try AttuneProcess.run(["audit", "verify", "--data-dir", data, "--expect-head", head])
        #expect(cut == 1)
        #expect(out.contains("row \(sequence) was deleted"), "\(out)")
        let (bad, _, err) = try AttuneProcess.run(["audit", "verify", "--data-dir", data, "--expect-head", "12:zz"])
        #expect(bad != 0 && bad != 1)
        #expect(err.contains("--expect-head"), "\(err)")
    }
}
