import AttuneCore
import AttuneStore

/// `attune import transactions FILE`: orders (customer id or e-mail, order id, time, amount, item
/// ids) into purchase events, one per distinct item of each order (``TransactionRowMapper``).
///
/// A row with an e-mail address records it as the customer's `email` trait; a row with an address
/// and no customer id is filed under the user derived from the address (``EmailUser``), so the
/// events never wait for a lookup. With ``identity`` set the address is also attached as an
/// `email` identifier (source `transactions`): a customer whose address another source already
/// knows (a CRM import, an `identify`) is merged into that person, their orders with them.
package struct TransactionImporter: Sendable {
    private let store: any EventStore & IdentityStore
    private let clock: any WallClock
    /// Pseudonymises the `email` trait before it is stored; `nil` stores it as sent.
    package var pii: PIIProtection?
    /// Merges customers with people other sources know by the same address; `nil` links nothing.
    package var identity: IdentityResolution?
    /// The source name of the identifiers and traits this import brings.
    package static let source = "transactions"

    package init(store: any EventStore & IdentityStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    struct Chunk: Sendable {
        var events: [Event] = []
        var identifies: [Identify] = []
        /// Each customer's normalised address, for identity resolution.
        var addresses: [(user: UserID, email: String)] = []
        var isEmpty: Bool { events.isEmpty && identifies.isEmpty }
    }

    /// Imports `path`; `report.imported` counts purchase events stored, `duplicates` those
    /// already present (a re-import).
    /// - Throws: `ImportFailure` or `TabularSource.Failure` when the file cannot be imported at
    ///   all (missing columns, unreadable); bad rows are rejected in the report instead.
    package func run(
        path: String, workspace: WorkspaceID, format: TabularFormat? = nil, columns: TransactionColumns = .init(),
        dryRun: Bool = false, chunkSize: Int = 20_000, actor: String = "cli",
        progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: format)
        let now = clock.now()
        let pii = self.pii
        var imported = 0
        var duplicates = 0
        var merges = 0
        var refused = 0
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
                    var mapped = try mapper!.map(row)
                    // The file's other columns become properties: a name, phone or IP among them
                    // is personal data like any event's.
                    if let pii { for index in mapped.events.indices { try pii.protect(&mapped.events[index]) } }
                    pending.events.append(contentsOf: mapped.events)
                    if let email = mapped.email, recorded.insert(mapped.user).inserted {
                        var traits = JSONValue.object([("email", .string(email))]).serialized(sortedKeys: true)
                        if let pii { traits = try pii.protect(traits) }
                        pending.identifies.append(
                            Identify(anonymousID: nil, userID: mapped.user, traits: traits, timestamp: now, source: Self.source))
                        pending.addresses.append((mapped.user, email))
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
            if let identity, !chunk.addresses.isEmpty {
                let attached = chunk.addresses.map { (user: $0.user, identifiers: [PersonIdentifier(kind: .email, value: $0.email)]) }
                let outcomes = try await identity.attach(attached, source: Self.source, in: workspace, actor: actor)
                merges += outcomes.reduce(0) { $0 + $1.merges.count }
                refused += outcomes.reduce(0) { $0 + $1.refusedIdentifiers }
            }
        }
        report.imported = imported
        report.duplicates = duplicates
        report.merges = merges
        report.refusedIdentifiers = refused
        return report
    }
}
