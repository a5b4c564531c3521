import AttuneTestSupport
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

    @Test func transactionsImportOnePurchasePerItemAndReimportAddsNothing() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("orders.csv").path
        try "email,order_id,order_date,amount,item_ids\nann@example.com,o1,2025-01-02T00:00:00Z,30,i1|i2\nnobody,o2,2025-01-02T00:00:00Z,1,i3\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data").path
        let (status, out, err) = try AttuneProcess.run(["import", "transactions", "--data-dir", data, csv])
        #expect(status == 0, "\(err)")
        #expect(out.contains("2 rows read, 2 imported"), "\(out)")
        #expect(out.contains("line 3: email"))
        let (again, out2, _) = try AttuneProcess.run(["import", "transactions", "--data-dir", data, csv])
        #expect(again == 0)
        #expect(out2.contains("0 imported, 2 already present"), "\(out2)")
        let (missing, _, err3) = try AttuneProcess.run(["import", "transactions", "--data-dir", data, "--order-column", "nr", csv])
        #expect(missing != 0)
        #expect(err3.contains("no column \"nr\""))
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

    @Test func embeddingsImportFeedsTheContentModel() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        // Two groups of users and items; the vectors tell the groups apart, there is no catalogue text.
        var events = "user_id,item_id,timestamp\n"
        var vectors = "item_id,vector\n"
        for u in 0..<30 {
            let group = u % 2
            for k in 0..<6 { events += "u\(u),g\(group)i\((u * 7 + k * 3) % 12),\(1_600_000_000 + u * 100 + k)\n" }
        }
        for group in 0..<2 {
            for i in 0..<12 { vectors += "g\(group)i\(i),\(group == 0 ? 1 : -1) 0.\(i)\n" }
        }
        vectors += "bad,1 2 3\n"
        let eventsPath = directory.appendingPathComponent("events.csv").path
        let vectorsPath = directory.appendingPathComponent("vectors.csv").path
        try events.write(toFile: eventsPath, atomically: true, encoding: .utf8)
        try vectors.write(toFile: vectorsPath, atomically: true, encoding: .utf8)
        #expect(try AttuneProcess.run(["import", "events", "--data-dir", data, eventsPath]).0 == 0)
        let (status, out, err) = try AttuneProcess.run(["import", "embeddings", "--data-dir", data, vectorsPath])
        #expect(status == 0, "\(err)")
        #expect(out.contains("24 imported"), "\(out)")
        #expect(out.contains("line 26:"), "\(out)")
        #expect(out.contains("24 vectors of dimension 2"), "\(out)")
        let (trained, trainOut, trainErr) = try AttuneProcess.run(["train", "--data-dir", data, "--model", "content", "--quick"])
        #expect(trained == 0, "\(trainErr)")
        #expect(trainOut.contains("content"), "\(trainOut)")
        let (_, recs, _) = try AttuneProcess.run(["recommend", "--data-dir", data, "--user", "u1", "--count", "3"])
        #expect(recs.contains("g1i"), "\(recs)")
        #expect(!recs.contains("g0i"), "\(recs)")

        let other = directory.appendingPathComponent("three.csv").path
        try "item_id,vector\ng0i0,1 2 3\n".write(toFile: other, atomically: true, encoding: .utf8)
        let (conflict, _, conflictErr) = try AttuneProcess.run(["import", "embeddings", "--data-dir", data, other])
        #expect(conflict != 0)
        #expect(conflictErr.contains("clear them first") || conflictErr.contains("--replace"), "\(conflictErr)")
    }

    @Test func profilesFollowImportsAndRebuildAgrees() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let csv = directory.appendingPathComponent("events.csv").path
        try "user_id,item_id,timestamp,type,value\n1,10,1700000000,view,\n1,11,1700000100,purchase,20\n2,10,1700000200,view,\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        #expect(try AttuneProcess.run(["import", "events", "--data-dir", data, csv]).0 == 0)
        let (status, out, err) = try AttuneProcess.run(["profiles", "rebuild", "--check", "--data-dir", data])
        #expect(status == 0, "\(err)")
        #expect(out.contains("2 users from 3 events; 0 differ"), "\(out)")
    }
}

extension ImportCommandTests {
    @Test func consentImportRecordsDecisionsAndReportsBadRows() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let csv = directory.appendingPathComponent("consent.csv").path
        try """
            user_id,analytics,personalization,marketing,source
            zq-c1,yes,no,,crm
            zq-c2,1,1,0,
            zq-c3,maybe,,,
            ,yes,,,
            zq-c4,,,,
            zq-c5,true,true,true,bad source
            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let (status, out, err) = try AttuneProcess.run(["import", "consent", "--data-dir", data, csv])
        #expect(status == 0, "\(err)")
        #expect(out.contains("6 rows read"), "\(out)")
        #expect(out.contains("2 imported"))
        #expect(out.contains("4 rejected"))
        #expect(out.contains("line 4:") && out.contains("analytics"))
        #expect(out.contains("line 7:") && out.contains("source"))
        let output = directory.appendingPathComponent("zq-c1.json").path
        let (exported, _, exportErr) = try AttuneProcess.run(["users", "export", "--data-dir", data, "zq-c1", "--output", output])
        #expect(exported == 0, "\(exportErr)")
        let document = try String(contentsOfFile: output, encoding: .utf8)
        #expect(document.contains(#""purposes":{"analytics":true,"personalization":false,"marketing":true}"#), "\(document)")
        #expect(document.contains(#""source":"crm""#))
        let (audit, auditOut, _) = try AttuneProcess.run(["audit", "show", "--data-dir", data, "--last", "10"])
        #expect(audit == 0)
        #expect(auditOut.contains("consent.change"))
        #expect(!auditOut.contains("zq-c1"), "audit rows name people by digest")
    }
}

extension ImportCommandTests {
    @Test func pseudonymisedImportExportsInClearAndSurvivesKeyRotationAndRetirement() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let csv = directory.appendingPathComponent("users.csv").path
        try "user_id,email,plan\nzq-p1,zq.person.5521@example.org,pro\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let (status, _, err) = try AttuneProcess.run(["import", "users", "--data-dir", data, "--pseudonymize", csv])
        #expect(status == 0, "\(err)")
        let (rotated, rotateOut, rotateErr) = try AttuneProcess.run(["keys", "rotate", "--data-dir", data])
        #expect(rotated == 0, "\(rotateErr)")
        #expect(rotateOut.contains("encryption key k2 is current; re-encrypted the attributes of 1 users and 1 per-source declarations"), "\(rotateOut)")
        let (retired, retireOut, retireErr) = try AttuneProcess.run(["keys", "retire", "--data-dir", data])
        #expect(retired == 0, "\(retireErr)")
        #expect(retireOut.contains("encryption key k2 is the only one; retired: k1"), "\(retireOut)")
        let keyFile = try String(contentsOfFile: directory.appendingPathComponent("data/pii-keys.json").path, encoding: .utf8)
        #expect(!keyFile.contains("\"k1\""), "the old key is gone from the file")
        let (exported, out, exportErr) = try AttuneProcess.run(["users", "export", "--data-dir", data, "zq-p1"])
        #expect(exported == 0, "\(exportErr)")
        #expect(out.contains(#""email":"zq.person.5521@example.org""#), "\(out)")
        #expect(out.contains(#""plan":"pro""#))
    }
}

extension ImportCommandTests {
    /// Consent and texts are stored under the raw user id: with pseudonymisation on (the default)
    /// an e-mail address or phone number as the id rejects its row, and neither the printed report
    /// nor the report file repeats it; `--no-pseudonymize` takes the same rows.
    @Test func consentAndTextImportsRefusePersonalUserIdsUnlessPseudonymisationIsOff() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let email = "zq.cli.3319@example.org"
        let phone = "+447700900199"
        let consent = directory.appendingPathComponent("consent.csv").path
        try "user_id,marketing\nzq-c1,true\n\(email),true\n\(phone),false\n".write(toFile: consent, atomically: true, encoding: .utf8)
        let texts = directory.appendingPathComponent("texts.csv").path
        try "user_id,text\nzq-c1,fine\n\(email),fine\n\(phone),fine\n".write(toFile: texts, atomically: true, encoding: .utf8)
        for (kind, file) in [("consent", consent), ("texts", texts)] {
            let data = directory.appendingPathComponent("data-\(kind)").path
            let reportPath = directory.appendingPathComponent("\(kind)-rejected.tsv").path
            let (status, out, err) = try AttuneProcess.run(["import", kind, "--data-dir", data, "--report", reportPath, file])
            #expect(status == 0, "\(err)")
            #expect(out.contains("1 imported") && out.contains("2 rejected"), "\(out)")
            #expect(out.contains("line 3:") && out.contains("must not be an e-mail address"), "\(out)")
            #expect(out.contains("line 4:") && out.contains("must not be a phone number"), "\(out)")
            let report = try String(contentsOfFile: reportPath, encoding: .utf8)
            for id in [email, phone, "7700900199"] {
                #expect(!(out + err + report).contains(id), "\(kind) repeats \(id)")
            }

            let clear = directory.appendingPathComponent("clear-\(kind)").path
            let (plain, plainOut, plainErr) = try AttuneProcess.run(["import", kind, "--data-dir", clear, "--no-pseudonymize", file])
            #expect(plain == 0, "\(plainErr)")
            #expect(plainOut.contains("3 imported") && plainOut.contains("0 rejected"), "\(plainOut)")
        }
    }
}
