import AttuneCore
import AttuneStore

/// `attune import users FILE`: one row per user; every other column becomes a declared trait.
package struct UserImporter: Sendable {
    /// The id column of a user file, when not named: the first of these present.
    static let idColumns = ["user_id", "userid", "user", "customer_id", "id"]

    private let store: any IdentityStore
    private let clock: any WallClock
    /// Pseudonymises personal attributes before they are stored; `nil` stores them as sent.
    package var pii: PIIProtection?

    package init(store: any IdentityStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    package func run(
        path: String, workspace: WorkspaceID, format: TabularFormat? = nil, userColumn: String? = nil,
        dryRun: Bool = false, progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: format)
        let now = clock.now()
        var imported = 0
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
                    let members = CellTyping.members(of: row, excluding: [column])
                    guard !members.isEmpty else {
                        throw AttuneError.invalid(column, "row has no attributes besides the id")
                    }
                    var traits = JSONValue.object(members).serialized(sortedKeys: true)
                    guard traits.utf8.count <= 16 * 1024 else {
                        throw AttuneError.invalid("traits", "must be at most 16384 bytes of JSON")
                    }
                    if let pii { traits = try pii.protect(traits) }
                    pending.append(Identify(anonymousID: nil, userID: user, traits: traits, timestamp: now))
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
            if !dryRun { try await store.record(chunk, in: workspace) }
            imported += chunk.count
        }
        report.imported = imported
        return report
    }
}
