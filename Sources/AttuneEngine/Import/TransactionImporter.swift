import AttuneCore
import AttuneStore

/// `attune import transactions FILE`: orders (customer id or e-mail, order id, time, amount, item
/// ids) into purchase events, one per distinct item of each order (``TransactionRowMapper``).
///
/// A row with an e-mail address records it as the customer's `email` trait; a row with an address
/// and no customer id is filed under the user derived from the address (``EmailUser``). Neither
/// depends on any other identity table, so the result of an import never depends on what was
/// imported before.
package struct TransactionImporter: Sendable {
    private let store: any EventStore & IdentityStore
    private let clock: any WallClock
    /// Pseudonymises the `email` trait before it is stored; `nil` stores it as sent.
    package var pii: PIIProtection?

    package init(store: any EventStore & IdentityStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    struct Chunk: Sendable {
        var events: [Event] = []
        var identifies: [Identify] = []
        var isEmpty: Bool { events.isEmpty && identifies.isEmpty }
    }

    /// Imports `path`; `report.imported` counts purchase events stored, `duplicates` those
    /// already present (a re-import).
    /// - Throws: `ImportFailure` or `TabularSource.Failure` when the file cannot be imported at
    ///   all (missing columns, unreadable); bad rows are rejected in the report instead.
    package func run(
        path: String, workspace: WorkspaceID, format: TabularFormat? = nil, columns: TransactionColumns = .init(),
        dryRun: Bool = false, chunkSize: Int = 20_000,
        progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: format)
        let now = clock.now()
        let pii = self.pii
        var imported = 0
        var duplicates = 0
        var report = try await ImportPipeline.run { (emit: (Chunk) -> Void) throws -> ImportReport in
            var report = ImportReport(dryRun: dryRun)
            var mapper: TransactionRowMapper?
            var pending = Chunk()
            // An address is recorded once per chunk however many orders carry it.
            var recorded = Set<UserID>()
            try source.forEachRow { line, message in
                report.rowsRead += 1
                report.reject(line: line, message)
            } progress: { done, total in
                progress(ImportProgress(bytesDone: done, bytesTotal: total, rows: report.rowsRead))
            } _: { row in
                report.rowsRead += 1
                if mapper == nil {
                    mapper = TransactionRowMapper(
                        columns: try columns.resolve(columns: Set(row.order)), listSeparator: columns.listSeparator,
                        now: now, pii: pii)
                }
                do {
                    let mapped = try mapper!.map(row)
                    pending.events.append(contentsOf: mapped.events)
                    if let email = mapped.email, recorded.insert(mapped.user).inserted {
                        var traits = JSONValue.object([("email", .string(email))]).serialized(sortedKeys: true)
                        if let pii { traits = try pii.protect(traits) }
                        pending.identifies.append(
                            Identify(anonymousID: nil, userID: mapped.user, traits: traits, timestamp: now))
                    }
                } catch let error as AttuneError {
                    report.reject(line: row.line, error.reportText)
                }
                if pending.events.count >= chunkSize {
                    emit(pending)
                    pending = Chunk()
                    recorded.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { emit(pending) }
            return report
        } consume: { chunk in
            if dryRun {
                imported += chunk.events.count
                return
            }
            if !chunk.events.isEmpty {
                let result = try await store.append([EventBatch(workspace: workspace, events: chunk.events)])
                imported += result[0].inserted
                duplicates += result[0].duplicates
            }
            if !chunk.identifies.isEmpty { try await store.record(chunk.identifies, in: workspace) }
        }
        report.imported = imported
        report.duplicates = duplicates
        return report
    }
}
