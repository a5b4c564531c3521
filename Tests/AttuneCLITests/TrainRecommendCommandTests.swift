import AttuneTestSupport
import Foundation
import Testing

struct TrainRecommendCommandTests {
    /// import events → train → recommend --all-users on a plain user_id,item_id,timestamp file.
    @Test func theBatchPipelineWorksOnAPlainCSV() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "user_id,item_id,timestamp\n"
        for u in 0..<24 {
            for i in 0..<8 { csv += "u\(u),\(u % 2 == 0 ? "even" : "odd")-\((i * 7 + u) % 12),\(1_700_000_000 + u * 100 + i)\n" }
        }
        let file = directory.appendingPathComponent("train.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data").path
        #expect(try AttuneProcess.run(["import", "events", "--data-dir", data, file]).0 == 0)
        let (trained, trainOut, trainErr) = try AttuneProcess.run(["train", "--data-dir", data, "--model", "knn", "--quick"])
        #expect(trained == 0, "\(trainErr)")
        #expect(trainOut.contains("model v1: knn"))
        let output = directory.appendingPathComponent("recs.csv").path
        let (recommended, _, recErr) = try AttuneProcess.run(
            ["recommend", "--data-dir", data, "--all-users", "--count", "3", "--output", output])
        #expect(recommended == 0, "\(recErr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "user_id,item_id,rank")
        #expect(lines.count == 1 + 24 * 3)
        var seen: [String: Set<String>] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",")
            seen[String(cells[0]), default: []].insert(String(cells[1]))
        }
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",").map(String.init)
            #expect(!(seen[cells[0]]?.contains(cells[1]) ?? true), "\(cells[0]) got \(cells[1]) back")
            let parity = Int(cells[0].dropFirst())! % 2 == 0 ? "even" : "odd"
            #expect(cells[1].hasPrefix(parity))
            #expect(["1", "2", "3"].contains(cells[2]))
        }
        let (one, oneOut, _) = try AttuneProcess.run(["recommend", "--data-dir", data, "--user", "stranger", "--count", "2"])
        #expect(one == 0)
        #expect(oneOut.contains("most popular"))
    }

    @Test(arguments: [
        ["train", "--model", "deep-magic"],
        ["recommend", "--all-users", "--count", "0"],
        ["recommend", "--all-users", "--count", "-3"],
        ["recommend", "--all-users", "--count", "5000"],
        ["recommend"],
        ["recommend", "--user", "u1", "--all-users"],
        ["evaluate"],
        ["evaluate", "--dataset", "/nope", "--models", "magic"],
    ])
    func badArgumentsAreRefusedClearly(_ arguments: [String]) throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, _, err) = try AttuneProcess.run(arguments + ["--data-dir", directory.path].filter { _ in arguments[0] != "evaluate" })
        #expect(status != 0)
        #expect(err.contains("Error"))
    }

    @Test func trainingAnEmptyDataDirectoryOrRecommendingWithoutAModelFailsClearly() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let empty = directory.appendingPathComponent("empty.csv").path
        try "user_id,item_id,timestamp\n".write(toFile: empty, atomically: true, encoding: .utf8)
        _ = try AttuneProcess.run(["import", "events", "--data-dir", data, empty])
        let (trained, _, trainErr) = try AttuneProcess.run(["train", "--data-dir", data])
        #expect(trained != 0)
        #expect(trainErr.contains("no events"))
        let (recommended, _, recErr) = try AttuneProcess.run(["recommend", "--data-dir", data, "--user", "u1"])
        #expect(recommended != 0)
        #expect(recErr.contains("attune train"))
    }

    @Test func evaluateRunsTheProtocolOnAnInteractionsFile() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "user_id,item_id,timestamp\n"
        for u in 0..<20 {
            for i in 0..<22 { csv += "\(u),\((u % 2) * 40 + (i * 3 + u) % 40),\(1_000 + i)\n" }
        }
        let file = directory.appendingPathComponent("i.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let (status, out, err) = try AttuneProcess.run(
            ["evaluate", "--interactions", file, "--models", "popular,knn", "--quick", "--json"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("\"model\":\"knn\""))
        #expect(out.contains("\"ndcg@10\""))
    }
}

struct ModelsCommandTests {
    @Test func listPromoteAndRollBack() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "user_id,item_id,timestamp\n"
        for u in 0..<12 { for i in 0..<6 { csv += "u\(u),i\((u + i) % 9),\(1_700_000_000 + i)\n" } }
        let file = directory.appendingPathComponent("e.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data").path
        _ = try AttuneProcess.run(["import", "events", "--data-dir", data, file])
        let (empty, emptyOut, _) = try AttuneProcess.run(["models", "list", "--data-dir", data])
        #expect(empty == 0)
        #expect(emptyOut.contains("no trained models"))
        let (noRollback, _, _) = try AttuneProcess.run(["models", "rollback", "--data-dir", data])
        #expect(noRollback != 0)
        for family in ["knn", "popular"] {
            #expect(try AttuneProcess.run(["train", "--data-dir", data, "--model", family, "--quick"]).0 == 0)
        }
        let (_, list, _) = try AttuneProcess.run(["models", "list", "--data-dir", data])
        #expect(list.contains("v1\tknn"))
        #expect(list.contains("v2\tpopular"))
        #expect(list.split(separator: "\n").first { $0.hasPrefix("v2") }?.hasSuffix("served") == true)
        #expect(try AttuneProcess.run(["models", "rollback", "--data-dir", data]).0 == 0)
        let (_, afterRollback, _) = try AttuneProcess.run(["models", "list", "--data-dir", data])
        #expect(afterRollback.split(separator: "\n").first { $0.hasPrefix("v1") }?.hasSuffix("served (pinned)") == true)
        #expect(try AttuneProcess.run(["models", "promote", "--data-dir", data, "7"]).0 != 0)
        #expect(try AttuneProcess.run(["models", "promote", "--data-dir", data, "--latest"]).0 == 0)
        let (_, latest, _) = try AttuneProcess.run(["models", "list", "--data-dir", data])
        #expect(latest.split(separator: "\n").first { $0.hasPrefix("v2") }?.hasSuffix("served") == true)
    }
}

extension TrainRecommendCommandTests {
    @Test func recommendLeavesOutPeopleWhoWithdrewPersonalizationAfterTraining() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "user_id,item_id,timestamp\n"
        for u in 0..<12 {
            for i in 0..<6 { csv += "u\(u),i\((i * 5 + u) % 10),\(1_700_000_000 + u * 100 + i)\n" }
        }
        let file = directory.appendingPathComponent("train.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let data = directory.appendingPathComponent("data").path
        #expect(try AttuneProcess.run(["import", "events", "--data-dir", data, file]).0 == 0)
        #expect(try AttuneProcess.run(["train", "--data-dir", data, "--model", "knn", "--quick"]).0 == 0)
        let consent = directory.appendingPathComponent("consent.csv").path
        try "user_id,personalization\nu0,no\n".write(toFile: consent, atomically: true, encoding: .utf8)
        #expect(try AttuneProcess.run(["import", "consent", "--data-dir", data, consent]).0 == 0)
        let (one, oneOut, _) = try AttuneProcess.run(["recommend", "--data-dir", data, "--user", "u0", "--count", "2"])
        #expect(one == 0)
        #expect(oneOut.contains("u0 has not consented to personalization: most popular items"), "\(oneOut)")
        let output = directory.appendingPathComponent("recs.csv").path
        #expect(try AttuneProcess.run(["recommend", "--data-dir", data, "--all-users", "--count", "2", "--output", output]).0 == 0)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 11 * 2)
        #expect(!lines.contains { $0.hasPrefix("u0,") })
    }
}
