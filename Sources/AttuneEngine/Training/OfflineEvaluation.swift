import AttuneCore
import AttuneML
import Foundation

/// The offline protocol of DESIGN.md §6 for any `user_id,item_id,timestamp` file (MovieLens 100k's
/// `ml-100k.inter` in particular): per user, the last 10 interactions by (timestamp, item id) are
/// the test set; hyper-parameters are chosen on the same carve inside training; the chosen model
/// is refitted on all of training and recommends 10 unseen items per user.
package struct OfflineEvaluation: Sendable {
    package struct Row: Sendable {
        package var family: ModelFamily
        package var chosen: String
        package var validationNDCG: Double?
        package var test: RankingReport
        package var trainSeconds: Double
        package var recommendSeconds: Double
    }

    package var tuner = ModelTuner()
    package var holdout = 10

    package init() {
        tuner.timeBudget = .seconds(3_600)
    }

    /// Reads interactions (CSV, TSV or JSON Lines with user_id, item_id, timestamp columns).
    package static func readInteractions(path: String) throws -> InteractionLog {
        var rows: [(user: String, item: String, time: Int64, weight: Float)] = []
        var columns: (String, String, String)?
        let source = TabularSource(path: path)
        try source.forEachRow { line, message in
            throw ImportFailure.unreadable("line \(line): \(message)")
        } progress: { _, _ in
        } _: { row in
            if columns == nil {
                let present = Set(row.order)
                guard let u = ColumnMapping.userNames.first(where: present.contains),
                    let i = ColumnMapping.itemNames.first(where: present.contains),
                    let t = ColumnMapping.timeNames.first(where: present.contains)
                else { throw ImportFailure.invalidOption("the file needs user_id, item_id and timestamp columns") }
                columns = (u, i, t)
            }
            let (u, i, t) = columns!
            guard case .string(let user)? = row.cells[u], case .string(let item)? = row.cells[i], let cell = row.cells[t]
            else { throw ImportFailure.unreadable("line \(row.line): missing user, item or time") }
            let time: Timestamp
            do {
                time = try EventRowMapper.timestamp(cell, field: t, now: Timestamp(millisecondsSinceEpoch: .max / 2))
            } catch let error as AttuneError {
                throw ImportFailure.unreadable("line \(row.line): \(error.reportText)")
            }
            rows.append((user.trimmingSpaces(), item.trimmingSpaces(), time.millisecondsSinceEpoch / 1000, 1))
        }
        return InteractionLog(rows: rows)
    }

    /// Item text aligned with `log`'s items, from a catalogue file (`ml-100k.item` or any CSV
    /// the item import reads), vectorised as `attune train` does.
    package static func readItemFeatures(path: String, columns: ItemColumns, log: InteractionLog) throws -> SparseMatrix? {
        let items = try readCatalogue(path: path, columns: columns)
        let texts = (0..<log.items.count).map { index -> ItemText in
            guard let item = items[log.items.key(at: Int32(index)) ?? ""] else { return ItemText() }
            return ItemText(
                title: item.title ?? "", description: item.description ?? "", categories: item.categories, tags: item.tags)
        }
        return try CatalogText.vectorise(texts, found: texts.filter { $0 != ItemText() }.count)
    }

    /// User traits (from a user file: an id column and attribute columns, as `attune import users`
    /// reads) and item attributes (from a catalogue file), as `attune train` derives them.
    package static func readSideFeatures(
        usersPath: String?, itemsPath: String?, columns: ItemColumns, log: InteractionLog
    ) throws -> SideFeatures {
        var userAttributes = [[(name: String, value: JSONValue)]](repeating: [], count: log.users.count)
        if let usersPath {
            var idColumn: String?
            try TabularSource(path: usersPath).forEachRow { _, _ in
            } progress: { _, _ in
            } _: { row in
                if idColumn == nil {
                    idColumn = UserImporter.idColumns.first(where: Set(row.order).contains)
                    guard idColumn != nil else { throw ImportFailure.noIdentityColumn }
                }
                guard case .string(let id)? = row.cells[idColumn!], let u = log.users.index(of: id.trimmingSpaces()) else { return }
                userAttributes[Int(u)] = CellTyping.members(of: row, excluding: [idColumn!]).map { ("user.\($0.key)", $0.value) }
            }
        }
        var itemAttributes = [[(name: String, value: JSONValue)]](repeating: [], count: log.items.count)
        if let itemsPath {
            let items = try readCatalogue(path: itemsPath, columns: columns)
            let parser = JSONParser()
            for index in 0..<log.items.count {
                guard let item = items[log.items.key(at: Int32(index)) ?? ""] else { continue }
                itemAttributes[index] = SideFeatures.attributes(of: item, parser: parser)
            }
        }
        return SideFeatures(
            users: SideFeatures.featurize(userAttributes, minimumSupport: 5),
            items: SideFeatures.featurize(itemAttributes, minimumSupport: 2))
    }

    private static func readCatalogue(path: String, columns: ItemColumns) throws -> [String: Item] {
        var byID: [String: Item] = [:]
        var resolved: [String: String?]?
        let now = Timestamp(millisecondsSinceEpoch: 0)
        try TabularSource(path: path).forEachRow { _, _ in
        } progress: { _, _ in
        } _: { row in
            if resolved == nil { resolved = try ItemImporter.resolve(columns, Set(row.order)) }
            guard let item = try? ItemImporter.item(from: row, resolved!, separator: columns.listSeparator, now: now) else { return }
            byID[item.id.rawValue] = item
        }
        return byID
    }

    /// Vectors per item of `log` from an embeddings file; invalid rows and rows whose dimension
    /// differs from the first valid one are skipped.
    package static func readEmbeddings(path: String, log: InteractionLog) throws -> DenseMatrix? {
        var vectors: [String: [Float]] = [:]
        var layout: EmbeddingRows?
        var dimension: Int?
        try TabularSource(path: path).forEachRow { _, _ in
        } progress: { _, _ in
        } _: { row in
            if layout == nil { layout = try EmbeddingRows(columns: row.order, itemColumn: nil) }
            guard let parsed = try? layout!.parse(row), parsed.vector.count == (dimension ?? parsed.vector.count) else {
                return
            }
            dimension = parsed.vector.count
            vectors[parsed.item.rawValue] = parsed.vector
        }
        return ItemContent.embeddings(for: log.items, from: vectors)
    }

    package func run(
        _ log: InteractionLog, families: [ModelFamily], content: ItemContent = ItemContent(),
        side: SideFeatures = SideFeatures()
    ) throws -> [Row] {
        let sequences = try log.chronologicalSequences()
        let split = HoldoutSplit(sequences: sequences, holdout: holdout)
        let train = try Self.subset(log, keeping: split.head)
        let seen = try split.trainingMatrix(itemCount: log.items.count)
        var rows: [Row] = []
        for family in families {
            let (model, summary) = try tuner.train(train, family: family, content: content, side: side)
            let clock = ContinuousClock()
            let start = clock.now
            let recommendations = model.recommender.recommendAll(seen: seen, k: 10, threads: tuner.threads)
            let recommendSeconds = ModelTuner.seconds(clock.now - start)
            let report = RankingMetrics.evaluate(
                recommendations: recommendations, truth: split.tail, seen: split.head, users: Array(0..<log.users.count),
                catalogSize: log.items.count, k: 10)
            rows.append(Row(
                family: family, chosen: summary.label, validationNDCG: summary.validation?.ndcg, test: report,
                trainSeconds: summary.trainingSeconds, recommendSeconds: recommendSeconds))
        }
        return rows
    }

    /// The log restricted to each user's `keep` items, with the same vocabularies (so indices and
    /// the catalogue size stay those of the whole data set).
    static func subset(_ log: InteractionLog, keeping keep: [[Int32]]) throws -> InteractionLog {
        let sets = keep.map(Set.init)
        var out = log
        out.userIndices = []
        out.itemIndices = []
        out.timestamps = []
        out.weights = []
        for k in 0..<log.count where sets[Int(log.userIndices[k])].contains(log.itemIndices[k]) {
            out.userIndices.append(log.userIndices[k])
            out.itemIndices.append(log.itemIndices[k])
            out.timestamps.append(log.timestamps[k])
            out.weights.append(log.weights[k])
        }
        return out
    }
}
