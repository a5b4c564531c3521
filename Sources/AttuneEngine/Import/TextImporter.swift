import AttuneCore
import AttuneStore

/// `attune import texts FILE`: one row per customer text, analysed and stored as the API does
/// (sentiment, entities, mentions, pseudonymised personal data).
package struct TextImporter: Sendable {
    /// Columns found by name when not given: the first present of each list.
    static let userColumns = ["user_id", "userid", "user", "customer_id"]
    static let textColumns = ["text", "body", "message", "content", "review"]
    static let sourceColumns = ["source", "channel"]
    static let timeColumns = ["time", "timestamp", "date", "created_at"]
    static let itemColumns = ["item_id", "item", "product_id"]

    /// Which column holds what; `nil` finds it by name.
    package struct Columns: Sendable {
        package var user: String?
        package var text: String?
        package var source: String?
        package var time: String?
        package var item: String?

        package init(user: String? = nil, text: String? = nil, source: String? = nil, time: String? = nil, item: String? = nil) {
            self.user = user
            self.text = text
            self.source = source
            self.time = time
            self.item = item
        }
    }

    private let ingestion: TextIngestion
    /// Whether pseudonymisation is on: then a user id that is an e-mail address or a phone number
    /// rejects its row (texts are stored under the raw id, out of pseudonymisation's reach).
    package var refusesPersonalIDs = false

    package init(ingestion: TextIngestion) {
        self.ingestion = ingestion
    }

    /// Imports every valid row; invalid rows are reported by line and left out.
    /// - Parameter defaultSource: the source of rows without a source column or cell.
    package func run(
        path: String, workspace: WorkspaceID, format: TabularFormat? = nil, columns: Columns = Columns(),
        defaultSource: TextSource = .email, dryRun: Bool = false,
        progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: format)
        let now = ingestion.now()
        let maxBytes = ingestion.configuration.maxTextBytes
        var imported = 0
        var rejectedOnStore: [(line: Int, message: String)] = []
        var report = try await ImportPipeline.run { (emit: ([(Int, TextSubmission)]) -> Void) throws -> ImportReport in
            var report = ImportReport(dryRun: dryRun)
            var resolved: (user: String, text: String, source: String?, time: String?, item: String?)?
            var pending: [(Int, TextSubmission)] = []
            try source.forEachRow { line, message in
                report.rowsRead += 1
                report.reject(line: line, message)
            } progress: { done, total in
                progress(ImportProgress(bytesDone: done, bytesTotal: total, rows: report.rowsRead))
            } _: { row in
                report.rowsRead += 1
                if resolved == nil { resolved = try Self.resolve(columns, present: Set(row.order)) }
                let names = resolved!
                do {
                    guard let userText = Self.text(row.cells[names.user]) else { throw AttuneError.missing(names.user) }
                    let user = try UserID.validated(userText, field: names.user)
                    if refusesPersonalIDs { try PersonalDataID.refuse(user.rawValue, field: names.user) }
                    guard case .string(let body)? = row.cells[names.text] else { throw AttuneError.missing(names.text) }
                    do {
                        try TextSubmission.validate(text: body, maxBytes: maxBytes)
                    } catch let error as AttuneError {
                        throw AttuneError(code: error.code, message: error.message, field: names.text)
                    }
                    var kind = defaultSource
                    if let column = names.source, let raw = Self.text(row.cells[column]) {
                        guard let parsed = TextSource(rawValue: raw.lowercased()) else {
                            throw AttuneError.invalid(column, "must be one of email, chat, review, social")
                        }
                        kind = parsed
                    }
                    var time: Timestamp?
                    if let column = names.time, let cell = row.cells[column], Self.text(cell) != nil {
                        time = try EventRowMapper.timestamp(cell, field: column, now: now)
                    }
                    var item: ItemID?
                    if let column = names.item, let raw = Self.text(row.cells[column]) {
                        item = try ItemID.validated(raw, field: column)
                    }
                    pending.append((row.line, TextSubmission(user: user, source: kind, text: body, time: time, item: item)))
                } catch let error as AttuneError {
                    report.reject(line: row.line, error.reportText)
                }
                if pending.count >= 500 {
                    emit(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { emit(pending) }
            return report
        } consume: { chunk in
            for (line, submission) in chunk {
                if dryRun {
                    imported += 1
                    continue
                }
                do {
                    _ = try await ingestion.ingest(submission, in: workspace)
                    imported += 1
                } catch let error as AttuneError {
                    rejectedOnStore.append((line, error.reportText))
                }
            }
        }
        for (line, message) in rejectedOnStore { report.reject(line: line, message) }
        report.imported = imported
        return report
    }

    /// The non-blank text of a cell (numbers as written).
    static func text(_ cell: JSONValue?) -> String? {
        switch cell {
        case .string(let s)?:
            let trimmed = s.trimmingSpaces()
            return trimmed.isEmpty ? nil : trimmed
        case .number(let n)?:
            return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        default:
            return nil
        }
    }

    static func resolve(_ columns: Columns, present: Set<String>) throws
        -> (user: String, text: String, source: String?, time: String?, item: String?)
    {
        func pick(_ given: String?, _ option: String, _ defaults: [String], required: Bool) throws -> String? {
            if let given {
                let name = TabularSource.normalizeHeader(given)
                guard present.contains(name) else { throw ImportFailure.missingColumn(option: option, name: given) }
                return name
            }
            let found = defaults.first(where: present.contains)
            if required, found == nil {
                throw ImportFailure.invalidOption(
                    "the file has no \(defaults[0]) column (or \(defaults.dropFirst().joined(separator: ", "))); name one with \(option)")
            }
            return found
        }
        let user = try pick(columns.user, "--user-column", userColumns, required: true)!
        let text = try pick(columns.text, "--text-column", textColumns, required: true)!
        return (
            user, text, try pick(columns.source, "--source-column", sourceColumns, required: false),
            try pick(columns.time, "--time-column", timeColumns, required: false),
            try pick(columns.item, "--item-column", itemColumns, required: false)
        )
    }
}
