import ArgumentParser
import AttuneCore
import AttuneTestSupport
import Foundation
import Testing

@testable import attune

struct IdentityCommandTests {
    @Test func twoSourcesMergeOnImportAndTheMergeIsUndoneAndRedoneFromTheCommandLine() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let crm = directory.appendingPathComponent("crm.csv").path
        let shop = directory.appendingPathComponent("shop.csv").path
        try "user_id,email,phone,city\nzq-crm-1,  Zq.Ann@Example.com,020 7946 0958,York\nzq-crm-2,bad-address,,Leeds\n"
            .write(toFile: crm, atomically: true, encoding: .utf8)
        try "customer_id,email,city\nzq-shop-9,zq.ann@example.com ,Hull\n".write(toFile: shop, atomically: true, encoding: .utf8)
        let (first, firstOut, firstErr) = try AttuneProcess.run([
            "import", "users", "--data-dir", data, "--source", "crm", "--source-priority", "crm,shop",
            "--default-country-code", "44", crm,
        ])
        #expect(first == 0, "\(firstErr)")
        #expect(firstOut.contains("1 rejected"), "\(firstOut)")
        #expect(firstOut.contains("line 3: email:"), "\(firstOut)")
        let (second, secondOut, secondErr) = try AttuneProcess.run(["import", "users", "--data-dir", data, "--source", "shop", shop])
        #expect(second == 0, "\(secondErr)")
        #expect(secondOut.contains("1 users merged through shared identifiers"), "\(secondOut)")
        let (again, againOut, _) = try AttuneProcess.run(["import", "users", "--data-dir", data, "--source", "shop", shop])
        #expect(again == 0)
        #expect(!againOut.contains("merged"), "re-importing merges nothing: \(againOut)")

        let (undone, undoneOut, undoneErr) = try AttuneProcess.run(["users", "unmerge", "--data-dir", data, "zq-shop-9"])
        #expect(undone == 0, "\(undoneErr)")
        #expect(undoneOut.contains("zq-shop-9 is separate from zq-crm-1"), "\(undoneOut)")
        let (merged, mergedOut, mergedErr) = try AttuneProcess.run(["users", "merge", "--data-dir", data, "zq-shop-9", "zq-crm-1"])
        #expect(merged == 0, "\(mergedErr)")
        #expect(mergedOut.contains("zq-shop-9 into zq-crm-1"), "\(mergedOut)")
        let (conflict, _, conflictErr) = try AttuneProcess.run(["users", "merge", "--data-dir", data, "zq-shop-9", "zq-crm-1"])
        #expect(conflict != 0)
        #expect(conflictErr.contains("merged already"), "\(conflictErr)")
        let (_, audit, _) = try AttuneProcess.run(["audit", "show", "--data-dir", data])
        #expect(audit.contains("user.merge") && audit.contains("user.unmerge"))
        #expect(!audit.contains("zq-shop-9") && !audit.contains("zq-crm-1"), "users appear by digest only")
        let (exported, out, _) = try AttuneProcess.run(["users", "export", "--data-dir", data, "zq-shop-9"])
        #expect(exported == 0)
        #expect(out.contains(#""userId":"zq-crm-1""#), "the export of a merged id is the person's")
        #expect(out.contains(#""city":"York""#), "crm outranks shop")
        #expect(out.contains(#""kind":"email""#) && out.contains(#""hashed":true"#), "identifiers are exported, hashed")
    }

    @Test(arguments: [
        ["users", "merge", "only-one"],
        ["users", "merge", "a", "b", "--canonical", ""],
        ["users", "unmerge", "a", "--merge", "0"],
        ["import", "users", "x.csv", "--source", "c r m"],
        ["import", "users", "x.csv", "--source-priority", "crm,,web"],
        ["import", "users", "x.csv", "--default-country-code", "+44"],
    ])
    func badArgumentsAreRefused(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try AttuneCommand.parseAsRoot(arguments) }
    }
}
