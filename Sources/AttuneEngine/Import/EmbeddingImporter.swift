import AttuneCore
import AttuneStore

/// `attune import embeddings FILE`: one vector per item, for the content model.
///
/// Every vector must have the dimension of the first valid row (other rows are rejected with their
/// line) and of the vectors already stored, unless `replace` clears those first. `replace` clears
/// in the same transaction as the first chunk's writes, so a file that fails before any vector is
/// accepted leaves the stored ones intact.
package struct EmbeddingImporter: Sendable {
    private let store: any EmbeddingStore

    package init(store: any EmbeddingStore) {
        self.store = store
    }

    package func run(
        path: String, workspace: WorkspaceID, format: TabularFormat? = nil, itemColumn: String? = nil,
        replace: Bool = false, dryRun: Bool = false, progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: format)
        var imported = 0
        var first = true
        var report = try await ImportPipeline.run { (emit: ([(item: ItemID, vector: [Float])]) -> Void) throws -> ImportReport in
            var report = ImportReport(dryRun: dryRun)
            var layout: EmbeddingRows?
            var dimension: Int?
            var pending: [(item: ItemID, vector: [Float])] = []
            try source.forEachRow { line, message in
                report.rowsRead += 1
                report.reject(line: line, message)
            } progress: { done, total in
                progress(ImportProgress(bytesDone: done, bytesTotal: total, rows: report.rowsRead))
            } _: { row in
                report.rowsRead += 1
                if layout == nil { layout = try EmbeddingRows(columns: row.order, itemColumn: itemColumn) }
                do {
                    let (item, vector) = try layout!.parse(row)
                    if let d = dimension, d != vector.count {
                        throw AttuneError.invalid("vector", "has \(vector.count) numbers, the file's first vector has \(d)")
                    }
                    dimension = vector.count
                    pending.append((item, vector))
                } catch let error as AttuneError {
                    report.reject(line: row.line, error.reportText)
                }
                if pending.count >= 2_000 {
                    emit(pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty { emit(pending) }
            return report
        } consume: { chunk in
            if !dryRun {
                try await store.putEmbeddings(chunk, in: workspace, replacingExisting: replace && first)
            }
            first = false
            imported += chunk.count
        }
        if replace, imported == 0, !dryRun, report.rejected == 0 {
            // An empty file with --replace means "no vectors".
            try await store.clearEmbeddings(in: workspace)
        }
        report.imported = imported
        return report
    }
}
