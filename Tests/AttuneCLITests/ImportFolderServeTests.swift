import AttuneCore
import AttuneTestSupport
import Foundation
import Testing

/// `attune serve --import-dir` end to end: a file dropped into the folder is imported by the
/// running server and moved to `done/` with its report; a restart imports nothing again.
struct ImportFolderServeTests {
    static let admin = "folder-admin-key-0123456789"
    static let write = "folder-write-key-0123456789"

    /// Waits (polling, at most `guardSeconds`) until `path` exists.
    static func waitFor(_ path: String, guardSeconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(guardSeconds)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path) { return true }
            usleep(100_000)
        }
        return false
    }

    @Test func aDroppedFileIsImportedOnceAndMovedToDone() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let inbox = directory.appendingPathComponent("inbox").path
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let arguments = ["--import-dir", inbox, "--import-interval-seconds", "0.2"]
        let (server, port) = try AttuneProcess.startServer(
            dataDirectory: data, adminKey: Self.admin, writeKey: Self.write, extraArguments: arguments)
        try "customer_id,order_id,item_ids\nc1,o1,i1|i2\n".write(
            toFile: inbox + "/transactions-today.csv", atomically: true, encoding: .utf8)
        let placed = Self.waitFor(inbox + "/done/transactions-today.csv.report.json")
        #expect(placed)
        let stats = try JSONParser().parse(
            try #require(BlockingClient(port: port).get(path: "/v1/stats", key: Self.admin)))
        #expect(stats["events"] == .number(2))
        server.terminate()
        server.waitUntilExit()
        let report = try JSONParser().parse(
            try String(contentsOfFile: inbox + "/done/transactions-today.csv.report.json", encoding: .utf8))
        #expect(report["imported"] == .number(2))
        #expect(!FileManager.default.fileExists(atPath: inbox + "/transactions-today.csv"))

        let (again, newPort) = try AttuneProcess.startServer(
            dataDirectory: data, adminKey: Self.admin, writeKey: Self.write, extraArguments: arguments)
        defer {
            again.terminate()
            again.waitUntilExit()
        }
        try "customer_id,order_id,item_ids\nc2,o2,i3\n".write(
            toFile: inbox + "/transactions-next.csv", atomically: true, encoding: .utf8)
        #expect(Self.waitFor(inbox + "/done/transactions-next.csv.report.json"))
        let after = try JSONParser().parse(
            try #require(BlockingClient(port: newPort).get(path: "/v1/stats", key: Self.admin)))
        #expect(after["events"] == .number(3))
    }
}
