import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

struct ImputationCommandTests {
    /// Two communities of 30 users, each user viewing 8 of their community's 20 items; community
    /// a declares ages around 25, community b around 60; the first three of each declare nothing.
    static func behaviour() -> [(user: String, item: String, time: Int)] {
        var rows: [(user: String, item: String, time: Int)] = []
        var time = 1_700_000_000
        for community in ["a", "b"] {
            for u in 0..<30 {
                for j in 0..<8 {
                    time += 1
                    rows.append(("\(community)\(u)", "\(community.uppercased())\((u * 3 + j * 7) % 20)", time))
                }
            }
        }
        return rows
    }

    static func age(_ user: String) -> Int { (user.hasPrefix("a") ? 25 : 60) + (Int(user.dropFirst())! % 4) }

    func dataDirectory() async throws -> (URL, String) {
        let directory = FileManagerTemp.directory()
        let data = directory.appendingPathComponent("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: data + "/attune.sqlite")
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let events = Self.behaviour().enumerated().map { n, row in
            Fixtures.event(UInt64(n + 1), user: row.user, item: row.item, at: Int64(row.time - 1_700_000_000) * 1000)
        }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        let declaring = Set(Self.behaviour().map(\.user)).filter { Int($0.dropFirst())! >= 3 }
        try await store.record(
            declaring.map {
                Identify(anonymousID: nil, userID: UserID(unchecked: $0), traits: #"{"age": \#(Self.age($0))}"#, timestamp: Fixtures.now)
            }, in: .default)
        return (directory, data)
    }

    @Test func profilesImputeStoresEstimatesForUsersWithoutTheAttribute() async throws {
        let (directory, data) = try await dataDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, out, err) = try AttuneProcess.run(["profiles", "impute", "--attributes", "age", "--k", "5", "--data-dir", data])
        #expect(status == 0, "\(err)")
        #expect(out.contains("age: 54 declared, 6 imputed"), "\(out)")
        let store = try SQLiteStore(path: data + "/attune.sqlite")
        let young = try #require(try await store.imputations(of: UserID(unchecked: "a1"), in: .default).first)
        let old = try #require(try await store.imputations(of: UserID(unchecked: "b1"), in: .default).first)
        #expect((24...29).contains(Double(young.value) ?? 0), "\(young)")
        #expect((59...64).contains(Double(old.value) ?? 0), "\(old)")
    }

    @Test(arguments: [
        (["--attributes", "shoe_size"], "no user with behaviour declares"),
        (["--attributes", "age", "--k", "0"], "--k"),
        (["--attributes", "age", "--k", "-1"], "--k"),
        (["--attributes", "email"], "never imputed"),
        (["--attributes", "age,,gender"], "--attributes"),
        (["--attributes", "age,age"], "twice"),
    ])
    func badImputeArgumentsAreRefusedAndNothingIsStored(_ arguments: [String], message: String) async throws {
        let (directory, data) = try await dataDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, _, err) = try AttuneProcess.run(["profiles", "impute"] + arguments + ["--data-dir", data])
        #expect(status != 0)
        #expect(err.contains(message), "\(err)")
        let store = try SQLiteStore(path: data + "/attune.sqlite")
        #expect(try await store.imputations(of: UserID(unchecked: "a1"), in: .default).isEmpty)
    }

    /// The same behaviour written as RecBole files, every user with an age and a label.
    func recBoleDirectory() throws -> URL {
        let directory = FileManagerTemp.directory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        for row in Self.behaviour() { inter += "\(row.user)\t\(row.item)\t4\t\(row.time)\n" }
        var users = "user_id:token\tage:token\tgender:token\n"
        for user in Set(Self.behaviour().map(\.user)).sorted() {
            users += "\(user)\t\(Self.age(user))\t\(user.hasPrefix("a") ? "F" : "M")\n"
        }
        try inter.write(to: directory.appendingPathComponent("ml-100k.inter"), atomically: true, encoding: .utf8)
        try users.write(to: directory.appendingPathComponent("ml-100k.user"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test func evaluateImputationReportsKNNAgainstTheBaselines() throws {
        let directory = try recBoleDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, out, err) = try AttuneProcess.run([
            "evaluate", "imputation", "--data", directory.path, "--attributes", "age,gender", "--k", "5", "--seed", "7",
        ])
        #expect(status == 0, "\(err)")
        let rows = out.split(separator: "\n").filter { $0.hasPrefix("| age | factors") || $0.hasPrefix("| gender | factors") }
        #expect(rows.count == 2, "\(out)")
        // Communities are perfectly separated by behaviour: kNN is near the truth, the mean guess ~17 years off.
        let ageCells = rows[0].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        let knn = try #require(Double(ageCells[5].replacingOccurrences(of: "MAE ", with: "")))
        let mean = try #require(Double(ageCells[6]))
        #expect(knn < mean / 2, "\(out)")
    }

    @Test(arguments: [
        ["--data", "/nope"],
        ["--data", "/nope", "--k", "0"],
        ["--data", "/nope", "--k", "5,x"],
        ["--data", "/nope", "--features", "magic"],
        ["--data", "/nope", "--hidden", "1"],
        ["--data", "/nope", "--attributes", "age,age"],
        ["--k", "5"],
    ])
    func badEvaluateArgumentsAreRefusedClearly(_ arguments: [String]) throws {
        let (status, _, err) = try AttuneProcess.run(["evaluate", "imputation"] + arguments)
        #expect(status != 0)
        #expect(err.contains("Error"), "\(err)")
    }

    @Test func anAttributeMissingFromTheUserFileIsNamed() throws {
        let directory = try recBoleDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, _, err) = try AttuneProcess.run(["evaluate", "imputation", "--data", directory.path, "--attributes", "income"])
        #expect(status != 0)
        #expect(err.contains("no column \"income\""), "\(err)")
    }
}
