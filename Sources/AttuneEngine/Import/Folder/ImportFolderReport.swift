import AttuneCore

/// What the watched import folder did with one file: written next to the file in `done/` or
/// `failed/` (as `NAME.report.json`), and kept in the folder's ledger so that a restart finishes
/// the file's move instead of importing it again.
package struct ImportFolderReport: Sendable, Equatable {
    package enum Outcome: String, Sendable {
        case done
        case failed
    }

    /// The file's path relative to the watched folder, as it was found.
    package var file: String
    /// SHA-256 of the file's bytes, in hex: with `file`, what makes a file "the same" again.
    package var sha256: String
    package var kind: ImportKind?
    package var outcome: Outcome
    package var startedAt: Timestamp
    package var finishedAt: Timestamp
    /// The import's counts and rejected rows; `nil` when the file was refused as a whole.
    package var report: ImportReport?
    /// Why the file was refused as a whole.
    package var error: String?

    /// Canonical JSON, one line.
    package var json: String {
        var members: [(key: String, value: JSONValue)] = [
            ("file", .string(file)), ("sha256", .string(sha256)), ("kind", kind.map { .string($0.rawValue) } ?? .null),
            ("outcome", .string(outcome.rawValue)), ("startedAt", .string(startedAt.iso8601)),
            ("finishedAt", .string(finishedAt.iso8601)),
        ]
        if let error { members.append(("error", .string(error))) }
        if let report {
            members.append(("rowsRead", .number(Double(report.rowsRead))))
            members.append(("imported", .number(Double(report.imported))))
            members.append(("duplicates", .number(Double(report.duplicates))))
            members.append(("rejected", .number(Double(report.rejected))))
            if report.refusedIdentifiers > 0 {
                members.append(("refusedIdentifiers", .number(Double(report.refusedIdentifiers))))
            }
            members.append(
                (
                    "problems",
                    .array(
                        report.problems.map {
                            .object([("line", .number(Double($0.line))), ("message", .string($0.message))])
                        })
                ))
            if report.warned > 0 {
                members.append(("warned", .number(Double(report.warned))))
                members.append(
                    ("warnings", .array(report.warnings.map {
                        .object([("line", .number(Double($0.line))), ("message", .string($0.message))])
                    })))
            }
        }
        return JSONValue.object(members).serialized()
    }

    /// The ledger's record of a file: enough to finish its move after a restart.
    init?(ledgerLine: String) {
        guard let value = try? JSONParser().parse(ledgerLine), case .string(let file)? = value["file"],
            case .string(let sha256)? = value["sha256"], case .string(let outcome)? = value["outcome"],
            let parsedOutcome = Outcome(rawValue: outcome)
        else { return nil }
        self.file = file
        self.sha256 = sha256
        self.kind = value["kind"]?.stringValue.flatMap(ImportKind.init(rawValue:))
        self.outcome = parsedOutcome
        self.startedAt =
            value["startedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)) ?? Timestamp(millisecondsSinceEpoch: 0)
        self.finishedAt = value["finishedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)) ?? startedAt
        self.error = value["error"]?.stringValue
        if case .number(let rows)? = value["rowsRead"] {
            var report = ImportReport()
            report.rowsRead = Int(rows)
            if case .number(let n)? = value["imported"] { report.imported = Int(n) }
            if case .number(let n)? = value["duplicates"] { report.duplicates = Int(n) }
            if case .number(let n)? = value["rejected"] { report.rejected = Int(n) }
            if case .array(let problems)? = value["problems"] {
                report.problems = problems.compactMap { problem in
                    guard case .number(let line)? = problem["line"], let message = problem["message"]?.stringValue
                    else { return nil }
                    return ImportReport.Problem(line: Int(line), message: message)
                }
            }
            if case .number(let n)? = value["warned"] { report.warned = Int(n) }
            if case .array(let warnings)? = value["warnings"] {
                report.warnings = warnings.compactMap { warning in
                    guard case .number(let line)? = warning["line"], let message = warning["message"]?.stringValue
                    else { return nil }
                    return ImportReport.Problem(line: Int(line), message: message)
                }
            }
            self.report = report
        }
    }

    init(
        file: String, sha256: String, kind: ImportKind?, outcome: Outcome, startedAt: Timestamp, finishedAt: Timestamp,
        report: ImportReport?, error: String?
    ) {
        self.file = file
        self.sha256 = sha256
        self.kind = kind
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.report = report
        self.error = error
    }
}
