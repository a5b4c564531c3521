import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import Foundation
import Logging

/// Customer-text settings shared by `attune serve` and `attune import texts`.
struct TextOptions: ParsableArguments {
    @Option(
        help: """
            Directory holding the sentiment lexicon (vader_lexicon.txt and emoji_utf8_lexicon.txt; fetch them with \
            scripts/fetch-sentiment-lexicon.sh). Default <data-dir>/lexicon; without it texts are stored with \
            entities and mentions, and sentiment is null.
            """)
    var sentimentLexicon: String?

    @Option(help: "Customer texts longer than this many bytes of UTF-8 are refused (default 16384).")
    var maxTextBytes = 16 << 10

    @Option(help: "A text mention scoring at or below this (from -1 to 0) hides the item or brand from that user's recommendations; off turns it off (default -0.5).")
    var textSuppressionThreshold = "-0.5"

    @Flag(help: "Store e-mail addresses and phone numbers found in texts as written, instead of replacing them by keyed-hash tokens.")
    var keepTextPersonalData = false

    @Option(help: "Key file of the text pseudonymisation (default <data-dir>/text-pseudonym.key, created with a random key when missing). ATTUNE_TEXT_SECRET (at least 16 bytes) takes precedence.")
    var textKeyFile: String?

    func validate() throws {
        guard (1...(16 << 20)).contains(maxTextBytes) else { throw ValidationError("--max-text-bytes must be from 1 to 16777216") }
        _ = try suppressionThreshold()
    }

    func suppressionThreshold() throws -> Double? {
        if textSuppressionThreshold == "off" { return nil }
        guard let value = Double(textSuppressionThreshold), value >= -1, value <= 0 else {
            throw ValidationError("--text-suppression-threshold must be from -1 to 0, or off")
        }
        return value
    }

    /// Processes sharing a database must pseudonymise texts with one secret: a key of its own per
    /// replica would give one name a different pseudonym on each.
    func checkSharedSecret() throws {
        guard !keepTextPersonalData, Environment.value("ATTUNE_TEXT_SECRET") == nil else { return }
        if let textKeyFile {
            // Made here when missing, it would be this host's own key, not the one the others use.
            guard FileManager.default.fileExists(atPath: textKeyFile) else {
                throw ValidationError("--text-key-file \(textKeyFile) does not exist: with --store postgres:// give every replica the same key file")
            }
            return
        }
        throw ValidationError(
            "--store postgres:// needs ATTUNE_TEXT_SECRET (or the same --text-key-file on every replica) to pseudonymise texts alike everywhere; `attune keys generate` makes one")
    }

    /// The ingest service these options describe; logs one warning when no lexicon is found.
    func ingestion(
        store: any AttuneStorage, clock: any WallClock, dataDirectory: String, names: CatalogNameIndex, logger: Logger
    ) throws -> TextIngestion {
        let lexiconDirectory = sentimentLexicon ?? (dataDirectory as NSString).appendingPathComponent("lexicon")
        let lexicon = try SentimentLexiconFiles.load(directory: lexiconDirectory)
        if lexicon == nil {
            logger.warning(
                "no sentiment lexicon: texts are stored without sentiment",
                metadata: ["lexicon.directory": "\(lexiconDirectory)"])
        }
        var pseudonymizer: TextPseudonymizer?
        if !keepTextPersonalData {
            if let secret = Environment.value("ATTUNE_TEXT_SECRET") {
                guard secret.utf8.count >= 16 else { throw ValidationError("ATTUNE_TEXT_SECRET must be at least 16 bytes") }
                pseudonymizer = TextPseudonymizer(secret: Array(secret.utf8))
            } else {
                try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
                pseudonymizer = try TextPseudonymizer.loadOrCreate(
                    at: textKeyFile ?? (dataDirectory as NSString).appendingPathComponent("text-pseudonym.key"))
            }
        }
        var configuration = TextConfiguration()
        configuration.maxTextBytes = maxTextBytes
        configuration.suppressionThreshold = try suppressionThreshold()
        return TextIngestion(
            store: store, clock: clock,
            analyzer: TextAnalyzer(sentiment: lexicon.map(SentimentAnalyzer.init(lexicon:)), pseudonymizer: pseudonymizer),
            names: names, configuration: configuration)
    }
}

struct ImportTexts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "texts",
        abstract: "Import customer texts (e-mails, chats, reviews, social posts), analysed as the API does.",
        discussion: """
            Columns are found by name: user_id, text (or body, message, content, review), source (email, chat, \
            review, social; else --source), time (epoch seconds or milliseconds, or ISO-8601), item_id. Each text \
            gets sentiment (when a lexicon is found), entities and catalogue mentions; e-mail addresses and phone \
            numbers are pseudonymised unless --keep-text-personal-data is given. A user id that is an e-mail address \
            or a phone number rejects its row unless --no-pseudonymize is given.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var file: FileImportOptions
    @OptionGroup var text: TextOptions
    @OptionGroup var personalData: PIIOptions
    @Option(help: "Column holding the user id.") var userColumn: String?
    @Option(help: "Column holding the text.") var textColumn: String?
    @Option(help: "Column holding the source.") var sourceColumn: String?
    @Option(help: "Column holding the time.") var timeColumn: String?
    @Option(help: "Column holding the item id the text is about.") var itemColumn: String?
    @Option(help: "Source of rows without one: email, chat, review or social.") var source = "email"

    func validate() throws {
        guard TextSource(rawValue: source) != nil else { throw ValidationError("--source must be email, chat, review or social") }
    }

    func run() async throws {
        let (store, workspace) = try data.sqliteOnly(
            command: "import texts",
            reason: "its lexicon and settings are the data directory's; send texts to a replica (POST /v1/users/{id}/texts) instead")
        try await ImportOutput.ensureWorkspace(store, workspace)
        let ingestion = try text.ingestion(
            store: store, clock: SystemClock(), dataDirectory: data.resolvedDataDirectory, names: CatalogNameIndex(),
            logger: Logger(label: "attune", factory: { StreamLogHandler.standardError(label: $0) }))
        var importer = TextImporter(ingestion: ingestion)
        importer.refusesPersonalIDs = personalData.pseudonymize
        try await ImportOutput.run("texts", reportPath: file.report) { [importer] progress in
            try await importer.run(
                path: file.file, workspace: workspace, format: file.resolvedFormat,
                columns: .init(user: userColumn, text: textColumn, source: sourceColumn, time: timeColumn, item: itemColumn),
                defaultSource: TextSource(rawValue: source) ?? .email, dryRun: file.dryRun, progress: progress)
        }
    }
}
