import AttuneCore
import AttuneStore

/// `attune import users FILE`: one row per user; every other column becomes a declared trait.
///
/// The e-mail, phone and external-id columns are also identifiers: a malformed e-mail address or
/// external id rejects its row; a phone number that cannot be brought to E.164 (malformed, or
/// national without ``defaultCountryCode``) is skipped with a warning and the row kept, since
/// CRM phone columns are often free text. With ``identity`` set, users that share an identifier
/// are merged into one person.
package struct UserImporter: Sendable {
    /// The id column of a user file, when not named: the first of these present.
    static let idColumns = ["user_id", "userid", "user", "customer_id", "id"]

    private let store: any IdentityStore
    private let clock: any WallClock
    /// Pseudonymises personal attributes before they are stored; `nil` stores them as sent.
    package var pii: PIIProtection?
    /// Resolves identities across sources; `nil` stores traits only.
    package var identity: IdentityResolution?
    /// Where these rows come from: the source priority of conflicting attributes ranks by it.
    package var source = "import"
    /// The column of e-mail addresses and of phone numbers (normalised names).
    package var emailColumn = "email"
    package var phoneColumn = "phone"
    /// A column of this source's own ids for the person (kind `external:SOURCE`), if any.
    package var externalIDColumn: String?
    /// Country calling code for phone numbers written without one (`44`); without it such
    /// numbers are skipped (a warning in the report).
    package var defaultCountryCode: String?

    package init(store: any IdentityStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    package func run(
        path: String, workspace: WorkspaceID, format: TabularFormat? = nil, userColumn: String? = nil,
        dryRun: Bool = false, actor: String = "cli", progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: format)
        let now = clock.now()
        var imported = 0
        var merges = 0
        var refused = 0
        var report = try await ImportPipeline.run { (emit: ([Identify]) -> Void) throws -> ImportReport in
            var report = ImportReport(dryRun: dryRun)
            var userColumns = UserColumn(given: userColumn)
            var pending: [Identify] = []
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
                    if pii != nil { try PersonalDataID.refuse(user.rawValue, field: column) }
                    let (identifiers, skipped) = try self.identifiers(in: row)
                    let members = CellTyping.members(of: row, excluding: [column])
                    guard !members.isEmpty else {
                        throw AttuneError.invalid(column, "row has no attributes besides the id")
                    }
                    var traits = JSONValue.object(members).serialized(sortedKeys: true)
                    guard traits.utf8.count <= 16 * 1024 else {
                        throw AttuneError.invalid("traits", "must be at most 16384 bytes of JSON")
                    }
                    if let pii { traits = try pii.protect(traits) }
                    var identify = Identify(anonymousID: nil, userID: user, traits: traits, timestamp: now, source: self.source)
                    identify.identifiers = identifiers
                    pending.append(identify)
                    if let skipped { report.warn(line: row.line, skipped.reportText + " (identifier skipped, row kept)") }
                } catch let error as AttuneError {
                    report.reject(line: row.line, error.reportText)
                }
                if pending.count >= 5_000 {
                    emit(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { emit(pending) }
            return report
        } consume: { chunk in
            if !dryRun {
                try await store.record(chunk, in: workspace)
                if let identity {
                    let outcomes = try await identity.attach(
                        chunk.map { ($0.userID, $0.identifiers) }, source: self.source, in: workspace, actor: actor)
                    merges += outcomes.reduce(0) { $0 + $1.merges.count }
                    refused += outcomes.reduce(0) { $0 + $1.refusedIdentifiers }
                }
            }
            imported += chunk.count
        }
        report.imported = imported
        report.merges = merges
        report.refusedIdentifiers = refused
        return report
    }

    /// The row's identifiers, normalised, and why its phone number was left out, if it was.
    /// - Throws: `AttuneError` naming the column of a malformed e-mail address or external id.
    private func identifiers(in row: TabularRow) throws(AttuneError) -> ([PersonIdentifier], skipped: AttuneError?) {
        var out: [PersonIdentifier] = []
        func text(_ column: String) -> String? {
            guard case .string(let raw)? = row.cells[column] else {
                if case .number(let n)? = row.cells[column] { return String(Int64(exactly: n) ?? 0) }
                return nil
            }
            return raw.trimmingSpaces().isEmpty ? nil : raw
        }
        if let raw = text(emailColumn) { out.append(try PersonIdentifier.email(raw, field: emailColumn)) }
        var skipped: AttuneError?
        if let raw = text(phoneColumn) {
            do {
                out.append(try PersonIdentifier.phone(raw, defaultCountryCode: defaultCountryCode, field: phoneColumn))
            } catch {
                skipped = error
            }
        }
        if let column = externalIDColumn, let raw = text(column) {
            out.append(try PersonIdentifier.external(source: source, id: raw, field: column))
        }
        return (out, skipped)
    }
}
