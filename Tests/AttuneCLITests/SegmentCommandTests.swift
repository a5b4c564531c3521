import AttuneTestSupport
import Foundation
import Testing

struct SegmentCommandTests {
    /// 3,000 users in three activity levels: import → create → export (CSV and JSON Lines) → train.
    @Test func segmentsAreCreatedExportedAndLearnedFromTheCommandLine() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "user_id,item_id,timestamp\n"
        for u in 0..<3_000 {
            for i in 0..<(1 + (u % 3) * 4) { csv += "u\(u),i\(i % 7),\(1_700_000_000 + u * 10 + i)\n" }
        }
        let file = directory.appendingPathComponent("events.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data").path
        #expect(try AttuneProcess.run(["import", "events", "--data-dir", data, file]).0 == 0)

        let (created, createdOut, createdErr) = try AttuneProcess.run(
            ["segment", "create", "--data-dir", data, "--name", "active", "--rule", "count(events) >= 5"])
        #expect(created == 0, "\(createdErr)")
        #expect(createdOut.contains("with 2000 members"))

        let output = directory.appendingPathComponent("active.csv").path
        let (exported, _, exportErr) = try AttuneProcess.run(
            ["segment", "export", "active", "--data-dir", data, "--output", output, "--chunk-size", "700"])
        #expect(exported == 0, "\(exportErr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "user_id")
        #expect(lines.count == 2_001)
        #expect(Set(lines.dropFirst()).count == 2_000)
        #expect(lines.dropFirst().allSatisfy { Int($0.dropFirst())! % 3 != 0 })

        let (jsonl, jsonlOut, _) = try AttuneProcess.run(["segment", "export", "active", "--data-dir", data, "--format", "jsonl"])
        #expect(jsonl == 0)
        #expect(jsonlOut.split(separator: "\n").count == 2_000)
        #expect(jsonlOut.hasPrefix(#"{"userId":"u1"}"#))

        let (trained, trainOut, trainErr) = try AttuneProcess.run(
            ["segment", "train", "--data-dir", data, "--max-clusters", "4"])
        #expect(trained == 0, "\(trainErr)")
        #expect(trainOut.contains("rules:"))
        #expect(trainOut.contains("fidelity:"))
        let (_, listOut, _) = try AttuneProcess.run(["segment", "list", "--data-dir", data])
        #expect(listOut.contains("\tlearned\t"))
        #expect(listOut.contains("\trule\t2000\tactive"))
        let (shown, showOut, _) = try AttuneProcess.run(["segment", "show", "learned_0", "--data-dir", data])
        #expect(shown == 0)
        #expect(showOut.contains("fidelity:"))
    }

    @Test(arguments: [
        ["segment", "create", "--name", "x", "--rule", "traits.events >"],
        ["segment", "create", "--name", "x", "--rule", "count(events, within: 7) > 1"],
        ["segment", "export", "nope"],
        ["segment", "export", "nope", "--format", "xml"],
        ["segment", "show", "nope"],
        ["segment", "train", "--min-clusters", "1"],
        ["segment", "train"],
    ])
    func badArgumentsAreRefusedClearly(_ arguments: [String]) throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, _, err) = try AttuneProcess.run(arguments + ["--data-dir", directory.path])
        #expect(status != 0)
        #expect(err.contains("Error"))
    }
}
