import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Inspect the tamper-evident audit log.",
        subcommands: [Verify.self, Show.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain; exit 1 at the first edited, inserted or deleted row.",
            discussion: """
                Rows cut off the end of the log, or a chain rewritten and sealed again, leave a valid chain: \
                keep the printed head (SEQUENCE:HASH) somewhere else and pass it to a later run with \
                --expect-head, which then also fails when that row is gone or has another hash.
                """)

        @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data, or ATTUNE_DATA_DIR).")
        var dataDirectory: String?

        @OptionGroup var storage: StoreOptions

        @Option(help: "A head printed by an earlier run (SEQUENCE:HASH) that the log must still hold.")
        var expectHead: String?

        func validate() throws {
            if let expectHead {
                do { _ = try AuditHead(parsing: expectHead, field: "--expect-head") } catch { throw ValidationError(error.reportText) }
            }
        }

        func run() async throws {
            let kept = try expectHead.map { try AuditHead(parsing: $0, field: "--expect-head") }
            try await CommandStore.with(storage, dataDirectory: DataOptions.resolve(dataDirectory)) { opened in
                let result = try await AuditLog(store: opened.store, clock: SystemClock()).verify(kept: kept)
                if let problem = result.problem {
                    print("audit log TAMPERED: \(problem) (\(result.verifiedRows) rows verified before it)")
                    throw ExitCode(1)
                }
                print("audit log intact: \(result.verifiedRows) rows; head \(result.headSequence):\(result.headHashHex)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the newest rows of the audit log.")

        @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data, or ATTUNE_DATA_DIR).")
        var dataDirectory: String?

        @OptionGroup var storage: StoreOptions

        @Option(help: "How many of the newest rows to print.")
        var last: Int = 50

        func validate() throws {
            guard (1...100_000).contains(last) else { throw ValidationError("--last must be from 1 to 100000") }
        }

        func run() async throws {
            var rows: [AuditRecord] = []
            try await CommandStore.with(storage, dataDirectory: DataOptions.resolve(dataDirectory)) { opened in
                var after: Int64 = 0
                while true {
                    let page = try await opened.store.auditRecords(after: after, limit: 1_000)
                    rows.append(contentsOf: page)
                    if rows.count > last { rows.removeFirst(rows.count - last) }
                    guard let final = page.last, page.count == 1_000 else { break }
                    after = final.sequence
                }
            }
            for row in rows {
                let e = row.entry
                print([String(row.sequence), e.time.iso8601, e.actor, e.action.rawValue, e.workspace?.rawValue ?? "-",
                       e.subject ?? "-", e.detail ?? "-"].joined(separator: "\t"))
            }
        }
    }
}
