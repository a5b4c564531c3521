import AttuneCore
import AttuneStore

/// Options shared by the import commands.
package struct ImportOptions: Sendable {
    package var workspace: WorkspaceID = .default
    package var format: TabularFormat?
    package var columns = ColumnMapping()
    package var defaultType = EventType(unchecked: "interaction")
    package var dryRun = false
    /// Rows per transaction: large enough to amortise the commit, small enough to bound memory.
    package var chunkSize = 20_000
    /// Replaces personal fields of imported properties and context by their tokens.
    package var pii: PIIProtection?

    package init() {}
}

/// `attune import events FILE`: CSV, TSV or JSON Lines into the event log.
package struct EventImporter: Sendable {
    private let store: any EventStore
    private let clock: any WallClock

    package init(store: any EventStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    package func run(
        path: String, options: ImportOptions, progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: options.format)
        let now = clock.now()
        var imported = 0
        var duplicates = 0
        var report = try await ImportPipeline.run { (emit: ([Event]) -> Void) throws -> ImportReport in
            var report = ImportReport(dryRun: options.dryRun)
            var mapper: EventRowMapper?
            var pending: [Event] = []
            pending.reserveCapacity(options.chunkSize)
            try source.forEachRow { line, message in
                report.rowsRead += 1
                report.reject(line: line, message)
            } progress: { done, total in
                progress(ImportProgress(bytesDone: done, bytesTotal: total, rows: report.rowsRead))
            } _: { row in
                report.rowsRead += 1
                if mapper == nil {
                    let resolved = try options.columns.resolve(columns: Set(row.order))
                    guard resolved.user != nil || resolved.anonymous != nil else {
                        throw ImportFailure.noIdentityColumn
                    }
                    mapper = EventRowMapper(columns: resolved, defaultType: options.defaultType, now: now)
                }
                do {
                    var event = try mapper!.event(from: row)
                    if let pii = options.pii {
                        try PIIProtection.refusePersonalIDs(
                            of: event, user: mapper!.columns.user ?? "user_id", anonymous: mapper!.columns.anonymous ?? "anonymous_id")
                        try pii.protect(&event)
                    }
                    pending.append(event)
                } catch let error as AttuneError {
                    report.reject(line: row.line, error.reportText)
                }
                if pending.count >= options.chunkSize {
                    emit(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { emit(pending) }
            return report
        } consume: { chunk in
            if options.dryRun {
                imported += chunk.count
                return
            }
            let result = try await store.append([EventBatch(workspace: options.workspace, events: chunk)])
            imported += result[0].inserted
            duplicates += result[0].duplicates
        }
        report.imported = imported
        report.duplicates = duplicates
        return report
    }
}
