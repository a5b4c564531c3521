import AttuneCore
import AttuneTestSupport
import Foundation
import Testing

/// `attune serve` audits its security settings (bind address, TLS, rate limit, CORS, body and
/// time limits) as a `config.change` row by `cli` when they differ from the last start's, and
/// writes nothing when a restart keeps them.
struct ServeConfigurationAuditTests {
    @Test func aStartAuditsItsSettingsOnlyWhenTheyChange() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let admin = "config-admin-key-0123456789"
        let write = "config-write-key-0123456789"
        for extra in [[], [], ["--cors-origin", "https://shop.example"]] {
            let (server, _) = try AttuneProcess.startServer(
                dataDirectory: data, adminKey: admin, writeKey: write, extraArguments: extra)
            server.terminate()
            server.waitUntilExit()
        }
        let (status, audit, err) = try AttuneProcess.run(["audit", "show", "--data-dir", data, "--last", "100"])
        #expect(status == 0, "\(err)")
        let changes = audit.split(separator: "\n").filter { $0.contains("\tconfig.change\t") }
        #expect(changes.count == 2, "\(audit)")
        #expect(changes.allSatisfy { $0.contains("\tcli\t") && $0.contains("host=127.0.0.1 ") && $0.contains("tls=off") })
        #expect(changes.first?.contains("cors=none") == true)
        #expect(changes.last?.contains("cors=https://shop.example") == true)
        #expect(try AttuneProcess.run(["audit", "verify", "--data-dir", data]).0 == 0)
    }
}
