import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneStore
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import CSV, TSV or JSON Lines files into a data directory.",
        subcommands: [
            ImportEvents.self, ImportItems.self, ImportUsers.self, ImportConsent.self, ImportTransactions.self,
            ImportEmbeddings.self,
            ImportMovieLens.self, ImportTexts.self,
        ])
}

/// Shared by the file imports.
struct FileImportOptions: ParsableArguments {
    @Argument(help: "The file to import.")
    var file: String

    @Option(help: "csv, tsv or jsonl (default: from the file extension).")
    var format: String?

    @Flag(help: "Validate and report without storing anything.")
    var dryRun = false

    @Option(help: "Write every rejected row (line and reason) to this file.")
    var report: String?

    func validate() throws {
        if let format, TabularFormat(rawValue: format) == nil { throw ValidationError("--format must be csv, tsv or jsonl") }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
    }

    var resolvedFormat: TabularFormat? { format.flatMap(TabularFormat.init(rawValue:)) }
}

enum ImportOutput {
    /// Runs one file import behind a progress bar named `title`: the bar is cleared however the
    /// import ends, the importer's refusals of the file become usage errors, and the report is
    /// printed (and written to `reportPath`).
    static func run(
        _ title: String, reportPath: String?,
        _ body: (_ progress: @escaping @Sendable (ImportProgress) -> Void) async throws -> ImportReport
    ) async throws {
        let bar = ProgressBar(label: title)
        let report: ImportReport
        do {
            report = try await body { bar.update($0) }
        } catch let failure as ImportFailure {
            bar.finish()
            throw ValidationError(failure.description)
        } catch let failure as TabularSource.Failure {
            bar.finish()
            throw ValidationError(failure.description)
        } catch {
            bar.finish()
            throw error
        }
        bar.finish()
        try print(title, report, reportPath: reportPath)
    }

    static func print(_ title: String, _ report: ImportReport, reportPath: String?) throws {
        var line = "\(title): \(report.rowsRead) rows read, \(report.imported) \(report.dryRun ? "valid (dry run, nothing stored)" : "imported")"
        if report.duplicates > 0 { line += ", \(report.duplicates) already present" }
        line += ", \(report.rejected) rejected"
        if report.merges > 0 { line += ", \(report.merges) users merged through shared identifiers" }
        if report.refusedIdentifiers > 0 {
            line += ", \(report.refusedIdentifiers) shared identifiers not merged (the users were unmerged before)"
        }
        if report.warned > 0 { line += ", \(report.warned) kept with a warning" }
        Swift.print(line)
        for problem in report.problems.prefix(20) {
            Swift.print("  line \(problem.line): \(problem.message)")
        }
        if report.rejected > 20 { Swift.print("  ... \(report.rejected - 20) more") }
        for warning in report.warnings.prefix(20) {
            Swift.print("  line \(warning.line) (warning): \(warning.message)")
        }
        if report.warned > 20 { Swift.print("  ... \(report.warned - 20) more warnings") }
        if let reportPath {
            let text = (report.problems.map { "\($0.line)\t\($0.message)" }
                + report.warnings.map { "\($0.line)\twarning: \($0.message)" }).joined(separator: "\n") + "\n"
            try text.write(toFile: reportPath, atomically: true, encoding: .utf8)
        }
    }

    /// The data directory's store; commands that also run on PostgreSQL use ``DataOptions/withStore(_:)``,
    /// the others ``DataOptions/sqliteOnly(command:reason:)``.
    static func openStore(_ data: DataOptions) throws -> (SQLiteStore, WorkspaceID) {
        let workspace = try data.validatedWorkspace()
        let store = try DataDirectory.openStore(data.resolvedDataDirectory)
        return (store, workspace)
    }

    static func ensureWorkspace(_ store: any WorkspaceStore, _ workspace: WorkspaceID) async throws {
        if workspace == .default {
            try await store.ensureWorkspace(.default, at: SystemClock().now())
        } else if !(try await store.workspaces()).contains(workspace) {
            throw ValidationError("workspace \(workspace) does not exist; create it with `attune workspaces create`")
        }
    }
}

struct ImportEvents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Import behavioural events (one row per event).",
        discussion: """
            Columns are found by name: user_id, anonymous_id, item_id, timestamp (epoch seconds, epoch \
            milliseconds or ISO-8601), type, value, session_id, event_id. Other columns become event \
            properties. Rows without an event_id get one derived from their content, so importing the \
            same file twice adds nothing.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var file: FileImportOptions
    @Option(help: "Column holding the user id.") var userColumn: String?
    @Option(help: "Column holding the anonymous id.") var anonymousColumn: String?
    @Option(help: "Column holding the item id.") var itemColumn: String?
    @Option(help: "Column holding the time.") var timeColumn: String?
    @Option(help: "Column holding the event type.") var typeColumn: String?
    @Option(help: "Column holding the value (rating, revenue, ...).") var valueColumn: String?
    @Option(help: "Column holding the session id.") var sessionColumn: String?
    @Option(help: "Column holding a UUID event id.") var idColumn: String?
    @Option(help: "Event type for rows without a type column.") var defaultType: String = "interaction"
    @OptionGroup var personalData: PIIOptions

    func validate() throws {
        do {
            _ = try EventType.validated(defaultType, field: "--default-type")
        } catch {
            throw ValidationError("--default-type \(error.message)")
        }
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            try await ImportOutput.ensureWorkspace(store, workspace)
            var options = ImportOptions()
            options.workspace = workspace
            options.format = file.resolvedFormat
            options.dryRun = file.dryRun
            options.defaultType = EventType(unchecked: defaultType)
            options.columns = ColumnMapping(
                user: userColumn, anonymous: anonymousColumn, item: itemColumn, time: timeColumn, type: typeColumn,
                value: valueColumn, session: sessionColumn, id: idColumn)
            options.pii = try personalData.protection(opened)
            try await ImportOutput.run("events", reportPath: file.report) { progress in
                try await EventImporter(store: store, clock: SystemClock()).run(path: file.file, options: options, progress: progress)
            }
        }
    }
}

struct ImportItems: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "items",
        abstract: "Import the item catalogue.",
        discussion: """
            Columns: item_id (or id), title, description, categories, tags (several values separated by \
            --list-separator), available. Other columns become item properties; numbers stay numbers.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var file: FileImportOptions
    @Option(help: "Column holding the item id.") var idColumn: String?
    @Option(help: "Column holding the title.") var titleColumn: String?
    @Option(help: "Column holding the categories.") var categoriesColumn: String?
    @Option(help: "Column holding the tags.") var tagsColumn: String?
    @Option(help: "Separator of several categories or tags in one cell.") var listSeparator: String = "|"

    func validate() throws {
        guard listSeparator.count == 1 else { throw ValidationError("--list-separator must be one character") }
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            try await ImportOutput.ensureWorkspace(store, workspace)
            var columns = ItemColumns()
            columns.id = idColumn
            columns.title = titleColumn
            columns.categories = categoriesColumn
            columns.tags = tagsColumn
            columns.listSeparator = listSeparator.first!
            try await ImportOutput.run("items", reportPath: file.report) { progress in
                try await ItemImporter(store: store, clock: SystemClock()).run(
                    path: file.file, workspace: workspace, format: file.resolvedFormat, columns: columns, dryRun: file.dryRun,
                    progress: progress)
            }
        }
    }
}

struct ImportUsers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Import user attributes (CRM contacts): one row per user, other columns become traits.",
        discussion: """
            The email, phone and --external-id-column columns are identifiers: users of any source that \
            share one are merged into one profile (e-mail trimmed and lower-cased, phone in E.164; both \
            stored only as a keyed hash). A malformed e-mail or phone number rejects its row. Conflicting \
            attributes of merged users resolve by --source-priority, then the most recent.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var file: FileImportOptions
    @Option(help: "Column holding the user id.") var userColumn: String?
    @OptionGroup var personalData: PIIOptions
    @Option(help: "Name of the system these rows come from (letters, digits, '-', '_', '.').") var source = "import"
    @Option(
        help: "Sources most trusted first, comma-separated (e.g. crm,web): which value a merged profile keeps when members disagree. Stored for the workspace.")
    var sourcePriority: String?
    @Option(help: "Column of e-mail addresses.") var emailColumn = "email"
    @Option(help: "Column of phone numbers.") var phoneColumn = "phone"
    @Option(help: "Column of this source's own customer id (identifier kind external:SOURCE).") var externalIdColumn: String?
    @Option(help: "Country calling code for phone numbers written without one (e.g. 44); without it they are rejected.")
    var defaultCountryCode: String?

    func validate() throws {
        do {
            try IdentifierSource.validate(source, field: "--source")
            for name in priorityList { try IdentifierSource.validate(name, field: "--source-priority") }
            if let defaultCountryCode { try PersonIdentifier.validateCountryCode(defaultCountryCode, field: "--default-country-code") }
        } catch {
            throw ValidationError(error.reportText)
        }
    }

    private var priorityList: [String] {
        sourcePriority.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() } } ?? []
    }

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            try await ImportOutput.ensureWorkspace(store, workspace)
            var importer = UserImporter(store: store, clock: SystemClock())
            // The matching key of pseudonymisation hashes identifiers too: one secret, created on first use.
            let keys = try opened.piiKeys()
            importer.pii = personalData.protection(keys: keys)
            // The keys may have been made just now, after the store was opened without them.
            if let pii = importer.pii { store.revealDeclaredValues(with: pii.revealed) }
            importer.identity = IdentityResolution(store: store, clock: SystemClock(), keys: keys)
            importer.source = source
            importer.emailColumn = TabularSource.normalizeHeader(emailColumn)
            importer.phoneColumn = TabularSource.normalizeHeader(phoneColumn)
            importer.externalIDColumn = externalIdColumn.map(TabularSource.normalizeHeader)
            importer.defaultCountryCode = defaultCountryCode
            if sourcePriority != nil, !file.dryRun { try await store.setSourcePriority(priorityList, in: workspace) }
            try await ImportOutput.run("users", reportPath: file.report) { [importer] progress in
                try await importer.run(
                    path: file.file, workspace: workspace, format: file.resolvedFormat, userColumn: userColumn,
                    dryRun: file.dryRun, progress: progress)
            }
        }
    }
}

struct ImportEmbeddings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embeddings",
        abstract: "Import item vectors (from a text or image encoder) for the content model.",
        discussion: """
            One row per item: an item_id column and either a "vector" column (a JSON array in JSON \
            Lines; numbers separated by spaces, commas or semicolons in CSV/TSV) or one column per \
            coordinate. Every vector of a workspace has the same dimension. `attune train` then blends \
            the vectors with the catalogue's text, or uses them alone, choosing on the validation split.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var file: FileImportOptions
    @Option(help: "Column holding the item id.") var itemColumn: String?
    @Flag(help: "Delete the workspace's stored vectors first (to change encoders or dimension).")
    var replace = false

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            try await ImportOutput.ensureWorkspace(store, workspace)
            try await ImportOutput.run("embeddings", reportPath: file.report) { progress in
                do {
                    return try await EmbeddingImporter(store: store).run(
                        path: file.file, workspace: workspace, format: file.resolvedFormat, itemColumn: itemColumn,
                        replace: replace, dryRun: file.dryRun, progress: progress)
                } catch let error as AttuneError {
                    throw ValidationError(error.reportText + (error.code == .conflict ? " (or import with --replace)" : ""))
                }
            }
            if let summary = try await store.embeddingSummary(in: workspace) {
                print("stored: \(summary.count) vectors of dimension \(summary.dimension)")
            }
        }
    }
}

struct ImportMovieLens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "movielens",
        abstract: "Import MovieLens 100k as fetched by scripts/fetch-movielens.sh DIR.")

    @OptionGroup var data: DataOptions
    @Argument(help: "Directory holding ml-100k.inter, ml-100k.item and ml-100k.user.")
    var directory: String

    func run() async throws {
        try await data.withStore { opened, workspace in
            let store = opened.store
            try await ImportOutput.ensureWorkspace(store, workspace)
            let bar = ProgressBar(label: "movielens")
            let report: MovieLensImporter.Report
            do {
                report = try await MovieLensImporter(store: store, clock: SystemClock())
                    .run(directory: directory, workspace: workspace) { bar.update($0) }
            } catch let failure as ImportFailure {
                throw ValidationError(failure.description)
            }
            bar.finish()
            try ImportOutput.print("items", report.items, reportPath: nil)
            try ImportOutput.print("users", report.users, reportPath: nil)
            try ImportOutput.print("events", report.events, reportPath: nil)
        }
    }
}
