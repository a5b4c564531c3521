import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore

struct ImportConsent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Import consent decisions: one row per person.",
        discussion: """
            Columns: a user id (user_id, user, customer_id or id, or --user-column) and any of \
            analytics, personalization, marketing (true/false, yes/no, 1/0; empty leaves the purpose \
            undecided) and source (default "import"). Each row is a change in the person's consent \
            history and an audit row; a running server sees it within a second. A user id that is an \
            e-mail address or a phone number rejects its row unless --no-pseudonymize is given.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var file: FileImportOptions
    @Option(help: "Column holding the user id.") var userColumn: String?
    @OptionGroup var personalData: PIIOptions

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            try await ImportOutput.ensureWorkspace(store, workspace)
            let service = ConsentService(store: store, clock: SystemClock(), registry: nil)
            var importer = ConsentImporter(service: service)
            importer.refusesPersonalIDs = personalData.pseudonymize
            try await ImportOutput.run("consent", reportPath: file.report) { [importer] progress in
                try await importer.run(
                    path: file.file, workspace: workspace, format: file.resolvedFormat, userColumn: userColumn,
                    dryRun: file.dryRun, actor: AuditLog.commandLineActor, progress: progress)
            }
        }
    }
}
