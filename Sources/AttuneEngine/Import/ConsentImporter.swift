import AttuneCore
import AttuneStore

/// `attune import consent FILE`: one row per person with a user id column and any of the columns
/// `analytics`, `personalization`, `marketing` (true/false, yes/no, 1/0; empty leaves the purpose
/// as it is) and `source` (default `import`). Each row is one change in the person's history and
/// one audit row.
package struct ConsentImporter: Sendable {
    private let service: ConsentService
    /// Whether pseudonymisation is on: then a user id that is an e-mail address or a phone number
    /// rejects its row (consent is stored under the raw id, out of pseudonymisation's reach).
    package var refusesPersonalIDs = false

    package init(service: ConsentService) { self.service = service }

    package func run(
        path: String, workspace: WorkspaceID, format: TabularFormat? = nil, userColumn: String? = nil,
        dryRun: Bool = false, actor: String, progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: format)
        var imported = 0
        var report = try await ImportPipeline.run {
            (emit: ([(user: UserID, update: ConsentUpdate)]) -> Void) throws -> ImportReport in
            var report = ImportReport(dryRun: dryRun)
            var userColumns = UserColumn(given: userColumn)
            var pending: [(user: UserID, update: ConsentUpdate)] = []
            try source.forEachRow { line, message in
                report.rowsRead += 1
                report.reject(line: line, message)
            } progress: { done, total in
                progress(ImportProgress(bytesDone: done, bytesTotal: total, rows: report.rowsRead))
            } _: { row in
                report.rowsRead += 1
                let column = try userColumns.name(for: row)
                do {
                    let user = try UserColumn.user(in: row, column: column)
                    if refusesPersonalIDs { try PersonalDataID.refuse(user.rawValue, field: column) }
                    pending.append((user, try Self.update(from: row)))
                } catch let error as AttuneError {
                    report.reject(line: row.line, error.reportText)
                }
                if pending.count >= 1_000 {
                    emit(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { emit(pending) }
            return report
        } consume: { chunk in
            if !dryRun { _ = try await service.updateAll(chunk, in: workspace, actor: actor) }
            imported += chunk.count
        }
        report.imported = imported
        return report
    }

    /// The row's decisions. - Throws: `AttuneError` naming a column that is not a yes or a no,
    /// a bad source, or a row that decides nothing.
    static func update(from row: TabularRow) throws(AttuneError) -> ConsentUpdate {
        var update = ConsentUpdate(choices: ConsentChoices(), source: "import")
        for purpose in ConsentPurpose.allCases {
            guard let cell = row.cells[purpose.rawValue] else { continue }
            update.choices[purpose] = try decision(cell, field: purpose.rawValue)
        }
        if case .string(let text)? = row.cells["source"], !text.trimmingSpaces().isEmpty {
            update.source = try ConsentUpdate.validatedSource(text.trimmingSpaces())
        }
        guard !update.choices.isEmpty else {
            throw .invalid("", "row decides no purpose (columns analytics, personalization, marketing)")
        }
        return update
    }

    static func decision(_ cell: JSONValue, field: String) throws(AttuneError) -> Bool? {
        switch cell {
        case .null: return nil
        case .bool(let value): return value
        case .number(let value) where value == 0 || value == 1: return value == 1
        case .string(let raw):
            switch raw.trimmingSpaces().lowercased() {
            case "": return nil
            case "true", "yes", "1", "granted", "y": return true
            case "false", "no", "0", "denied", "withdrawn", "n": return false
            default: throw .invalid(field, "must be true or false (yes/no, 1/0) or empty")
            }
        default: throw .invalid(field, "must be true or false (yes/no, 1/0) or empty")
        }
    }
}
