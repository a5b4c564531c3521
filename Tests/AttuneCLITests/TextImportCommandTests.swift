import AttuneTestSupport
import Foundation
import Testing

struct TextImportCommandTests {
    @Test func textsAreImportedAnalysedAndPseudonymised() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let lexicon = directory.appendingPathComponent("lexicon")
        try FileManager.default.createDirectory(at: lexicon, withIntermediateDirectories: true)
        try "love\t3.2\t0.4\t[]\r\nbroken\t-2.0\t0.5\t[]\r\n".write(
            to: lexicon.appendingPathComponent("vader_lexicon.txt"), atomically: true, encoding: .utf8)
        let items = directory.appendingPathComponent("items.csv").path
        try "item_id,title,brand\np1,Air Max 90,Nike\np2,Gazelle,Adidas\n".write(toFile: items, atomically: true, encoding: .utf8)
        let (itemStatus, _, itemErr) = try AttuneProcess.run(["import", "items", "--data-dir", data, items])
        #expect(itemStatus == 0, "\(itemErr)")

        let texts = directory.appendingPathComponent("texts.jsonl").path
        try """
            {"customer":"cli-user","message":"I love my NIKE air max 90, mail me at cli@example.com","channel":"review","time":"2024-03-05T10:00:00Z"}
            {"customer":"cli-user","message":"   ","channel":"chat"}
            {"customer":"cli-user","message":"the Gazelle arrived broken","channel":"fax"}
            {"customer":"cli-user","message":"the Gazelle arrived broken","channel":"chat"}

            """.write(toFile: texts, atomically: true, encoding: .utf8)
        let (status, out, err) = try AttuneProcess.run([
            "import", "texts", "--data-dir", data, "--sentiment-lexicon", lexicon.path, "--user-column", "customer",
            "--text-column", "message", "--source-column", "channel", texts,
        ])
        #expect(status == 0, "\(err)")
        #expect(out.contains("4 rows read"), "\(out)")
        #expect(out.contains("2 imported"), "\(out)")
        #expect(out.contains("line 2:") && out.contains("line 3:"), "\(out)")

        let output = directory.appendingPathComponent("export.json").path
        let (exported, _, exportErr) = try AttuneProcess.run(["users", "export", "--data-dir", data, "cli-user", "--output", output])
        #expect(exported == 0, "\(exportErr)")
        let document = try String(contentsOfFile: output, encoding: .utf8)
        #expect(document.contains(#""target":"p1""#))
        #expect(document.contains(#""target":"nike""#))
        #expect(document.contains(#""label":"positive""#))
        #expect(document.contains(#""label":"negative""#))
        #expect(document.contains("[email:"))
        #expect(!document.contains("cli@example.com"))
    }

    @Test func withoutALexiconTextsAreStoredWithoutSentimentAndAWarning() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let texts = directory.appendingPathComponent("texts.csv").path
        try "user_id,text\nu1,\"Call me on +1 555 123 4567, thanks\"\n".write(toFile: texts, atomically: true, encoding: .utf8)
        let (status, out, err) = try AttuneProcess.run([
            "import", "texts", "--data-dir", data, "--keep-text-personal-data", texts,
        ])
        #expect(status == 0, "\(err)")
        #expect(out.contains("1 imported"))
        #expect(err.contains("no sentiment lexicon"))
        let output = directory.appendingPathComponent("export.json").path
        _ = try AttuneProcess.run(["users", "export", "--data-dir", data, "u1", "--output", output])
        let document = try String(contentsOfFile: output, encoding: .utf8)
        #expect(document.contains(#""sentiment":null"#))
        #expect(document.contains("+1 555 123 4567"))
    }

    @Test func badTextOptionsAreRefused() throws {
        let (status, _, err) = try AttuneProcess.run(["import", "texts", "--text-suppression-threshold", "0.5", "/dev/null"])
        #expect(status != 0)
        #expect(err.contains("--text-suppression-threshold"))
        let (source, _, err2) = try AttuneProcess.run(["import", "texts", "--source", "fax", "/dev/null"])
        #expect(source != 0)
        #expect(err2.contains("--source"))
    }
}
