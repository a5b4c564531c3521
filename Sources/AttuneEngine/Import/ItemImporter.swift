import AttuneCore
import AttuneStore

/// Column names for catalogue imports; `nil` means "use the conventional names".
package struct ItemColumns: Sendable {
    package var id: String?
    package var title: String?
    package var description: String?
    package var categories: String?
    package var tags: String?
    package var available: String?
    /// Separator of several categories or tags inside one CSV cell.
    package var listSeparator: Character = "|"

    package init() {}
}

/// `attune import items FILE`: catalogue rows (CSV/TSV with a header, or JSON Lines).
package struct ItemImporter: Sendable {
    private let store: any CatalogStore
    private let clock: any WallClock

    package init(store: any CatalogStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    package func run(
        path: String, workspace: WorkspaceID, format: TabularFormat? = nil, columns: ItemColumns = ItemColumns(),
        dryRun: Bool = false, progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }
    ) async throws -> ImportReport {
        let source = TabularSource(path: path, format: format)
        let now = clock.now()
        var imported = 0
        var report = try await ImportPipeline.run { (emit: ([Item]) -> Void) throws -> ImportReport in
            var report = ImportReport(dryRun: dryRun)
            var resolved: [String: String?]?
            var pending: [Item] = []
            try source.forEachRow { line, message in
                report.rowsRead += 1
                report.reject(line: line, message)
            } progress: { done, total in
                progress(ImportProgress(bytesDone: done, bytesTotal: total, rows: report.rowsRead))
            } _: { row in
                report.rowsRead += 1
                if resolved == nil {
                    resolved = try Self.resolve(columns, Set(row.order))
                }
                do {
                    pending.append(try Self.item(from: row, resolved!, separator: columns.listSeparator, now: now))
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
            if !dryRun { try await store.upsert(chunk, in: workspace) }
            imported += chunk.count
        }
        report.imported = imported
        return report
    }

    static func resolve(_ columns: ItemColumns, _ present: Set<String>) throws(ImportFailure) -> [String: String?] {
        func pick(_ explicit: String?, _ names: [String], _ option: String) throws(ImportFailure) -> String? {
            if let explicit {
                let name = TabularSource.normalizeHeader(explicit)
                guard present.contains(name) else { throw .missingColumn(option: option, name: explicit) }
                return name
            }
            return names.first(where: present.contains)
        }
        let id = try pick(columns.id, ["item_id", "itemid", "id", "product_id", "sku"], "--id-column")
        guard id != nil else { throw .missingColumn(option: "--id-column", name: "item_id") }
        return [
            "id": id,
            "title": try pick(columns.title, ["title", "name", "movie_title", "product_name"], "--title-column"),
            "description": try pick(columns.description, ["description", "desc", "summary"], "--description-column"),
            "categories": try pick(columns.categories, ["categories", "category", "genres", "genre", "class"], "--categories-column"),
            "tags": try pick(columns.tags, ["tags", "tag", "keywords"], "--tags-column"),
            "available": try pick(columns.available, ["available", "in_stock", "availability"], "--available-column"),
        ]
    }

    static func item(from row: TabularRow, _ columns: [String: String?], separator: Character, now: Timestamp)
        throws(AttuneError) -> Item
    {
        func cell(_ key: String) -> JSONValue? {
            guard let column = columns[key] ?? nil else { return nil }
            return row.cells[column]
        }
        let idColumn = (columns["id"] ?? nil) ?? "item_id"
        guard let id: ItemID = try EventDecoder.identifier(CellTyping.trimmed(cell("id")), field: idColumn) else {
            throw .missing(idColumn)
        }
        let title = try ItemDecoder.text(nonEmpty(cell("title")), field: "title", max: ItemDecoder.maxTitleBytes)
        let description = try ItemDecoder.text(
            nonEmpty(cell("description")), field: "description", max: ItemDecoder.maxDescriptionBytes)
        let categories = try labels(cell("categories"), field: "categories", separator: separator)
        let tags = try labels(cell("tags"), field: "tags", separator: separator)
        var available = true
        if let value = cell("available") {
            switch CellTyping.typed(value) {
            case .bool(let b): available = b
            case .number(let n): available = n != 0
            case .string(let s) where ["yes", "y"].contains(s.lowercased()): available = true
            case .string(let s) where ["no", "n"].contains(s.lowercased()): available = false
            case .null: break
            default: throw .invalid("available", "must be true/false, yes/no or 1/0")
            }
        }
        let used = Set(columns.values.compactMap { $0 })
        var members = CellTyping.members(of: row, excluding: used.union(["properties"]))
        if case .object(let inner)? = row.cells["properties"] { members.append(contentsOf: inner) }
        var properties: String?
        if !members.isEmpty {
            var seen = Set<String>()
            let text = JSONValue.object(members.filter { seen.insert($0.key).inserted }).serialized(sortedKeys: true)
            guard text.utf8.count <= ItemDecoder.maxPropertiesBytes else {
                throw .invalid("properties", "must be at most \(ItemDecoder.maxPropertiesBytes) bytes of JSON")
            }
            properties = text
        }
        return Item(
            id: id, title: title, description: description, categories: categories, tags: tags,
            properties: properties, available: available, createdAt: now, updatedAt: now)
    }

    private static func nonEmpty(_ cell: JSONValue?) -> JSONValue? {
        if case .string(let s)? = cell, s.trimmingSpaces().isEmpty { return nil }
        return cell
    }

    private static func labels(_ cell: JSONValue?, field: String, separator: Character) throws(AttuneError) -> [String] {
        switch cell {
        case nil, .null?: return []
        case .string(let s)?:
            let parts = s.split(separator: separator).map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            guard parts.count <= ItemDecoder.maxListCount else {
                throw .invalid(field, "must have at most \(ItemDecoder.maxListCount) entries")
            }
            var out: [String] = []
            for part in parts { out.append(try ItemDecoder.validLabel(part, field: field)) }
            return ItemDecoder.deduplicated(out)
        case let value?:
            return try ItemDecoder.labels(value, field: field)
        }
    }
}
