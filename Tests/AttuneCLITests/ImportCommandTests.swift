import Foundation
import Testing

struct ImportCommandTests {
    @Test func importReportsBadRowsByLineAndReimportAddsNothing() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("train.csv").path
        try "user_id,item_id,timestamp\n1,10,881250949\n2,,881250950\n,11,881250951\n3,12,bad\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data").path
        let (status, out, err) = try AttuneProcess.run(["import", "events", "--data-dir", data, csv])
        #expect(status == 0, "\(err)")
        #expect(out.contains("5 rows read") || out.contains("4 rows read"))
        #expect(out.contains("2 imported"))
        #expect(out.contains("line 4:"))
        #expect(out.contains("line 5:"))
        let (again, out2, _) = try AttuneProcess.run(["import", "events", "--data-dir", data, csv])
        #expect(again == 0)
        #expect(out2.contains("0 imported"))
        #expect(out2.contains("2 already present"))
    }

    @Test func unknownColumnsAndMissingFilesFailClearly() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("e.csv").path
        try "user_id,item_id\n1,2\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data").path
        let (status, _, err) = try AttuneProcess.run(["import", "events", "--data-dir", data, "--time-column", "when", csv])
        #expect(status != 0)
        #expect(err.contains("no column \"when\""))
        let (missing, _, err2) = try AttuneProcess.run(["import", "events", "--data-dir", data, "/no/such/file.csv"])
        #expect(missing != 0)
        #expect(err2.contains("cannot read"))
        let (empty, _, err3) = try AttuneProcess.run(["import", "events", "--data-dir", data, "--workspace", "ghost", csv])
        #expect(empty != 0)
        #expect(err3.contains("does not exist"))
    }

    @Test func workspacesCreateAndList() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let (status, out, _) = try AttuneProcess.run(["workspaces", "create", "--data-dir", data, "shop-b"])
        #expect(status == 0)
        #expect(out.contains("admin key: atn_admin_"))
        let (again, _, err) = try AttuneProcess.run(["workspaces", "create", "--data-dir", data, "shop-b"])
        #expect(again != 0)
        #expect(err.contains("already exists"))
        let (_, list, _) = try AttuneProcess.run(["workspaces", "list", "--data-dir", data])
        #expect(list.contains("shop-b"))
        #expect(!list.contains("atn_admin_"))
    }
}
