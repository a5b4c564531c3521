import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "The event log's retention limit.",
        subcommands: [Purge.self])

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete events older than --days days, in every workspace, once (audited).",
            discussion: """
                Profiles, activity summaries and trained models are not recomputed: they keep the totals of the \
                deleted events until `attune profiles rebuild` and the next training. `attune serve \
                --retention-days N` does the same every hour.
                """)

        @Option(name: .customLong("data-dir"), help: "Data directory (default ./attune-data, or ATTUNE_DATA_DIR).")
        var dataDirectory: String?

        @OptionGroup var storage: StoreOptions

        @Option(help: "Events whose time is more than this many days ago are deleted.")
        var days: Int

        func validate() throws {
            guard (1...RetentionPurge.maxDays).contains(days) else {
                throw ValidationError("--days must be from 1 to \(RetentionPurge.maxDays)")
            }
        }

        func run() async throws {
            try await CommandStore.with(storage, dataDirectory: DataOptions.resolve(dataDirectory)) { opened in
                let deleted = try await RetentionPurge(store: opened.store, clock: SystemClock(), days: days)
                    .run(actor: AuditLog.commandLineActor)
                try await opened.store.checkpoint()
                print("retention: deleted \(deleted) events older than \(days) days")
            }
        }
    }
}
