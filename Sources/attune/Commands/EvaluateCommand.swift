import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import Foundation

struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Run the offline evaluation protocol (DESIGN.md §6) for every model.",
        discussion: """
            --dataset DIR reads DIR/ml-100k.inter (as fetched by scripts/fetch-movielens.sh); --interactions \
            FILE reads any user_id,item_id,timestamp file. Per user the last 10 interactions are the test \
            set; hyper-parameters are chosen on the same carve inside training. `attune evaluate imputation` \
            measures the imputation of user attributes instead.
            """,
        subcommands: [EvaluateImputationCommand.self, EvaluateThinProfilesCommand.self])

    @Option(help: "Directory holding ml-100k.inter.") var dataset: String?
    @Option(help: "A user_id,item_id,timestamp file (CSV, TSV or JSON Lines).") var interactions: String?
    @Option(help: "A catalogue file for the content model (default with --dataset: DIR/ml-100k.item).") var items: String?
    @Option(help: "User attributes for the factorisation machine (default with --dataset: DIR/ml-100k.user).") var users: String?
    @Option(help: "Item vectors for the content model (the `attune import embeddings` layouts).") var embeddings: String?
    @Option(help: "Comma-separated families.") var models: String = "popular,knn,als,bpr,content,item2vec,fm,hybrid"
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "One candidate per family.") var quick = false
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        for name in models.split(separator: ",") {
            guard let family = ModelFamily(rawValue: String(name)), family != .best else {
                throw ValidationError("unknown model \"\(name)\"")
            }
        }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256") }
    }

    func run() async throws {
        // Checked here, not in validate(): ArgumentParser validates this command also when the
        // `imputation` subcommand runs, which takes neither option.
        guard (dataset != nil) != (interactions != nil) else { throw ValidationError("give either --dataset DIR or --interactions FILE") }
        let path = interactions ?? URL(fileURLWithPath: dataset!).appendingPathComponent("ml-100k.inter").path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ValidationError("cannot read \(path)" + (dataset != nil ? "; fetch it with scripts/fetch-movielens.sh \(dataset!)" : ""))
        }
        let log: InteractionLog
        do {
            log = try OfflineEvaluation.readInteractions(path: path)
        } catch let failure as ImportFailure {
            throw ValidationError(failure.description)
        }
        var itemsPath = items
        var columns = ItemColumns()
        if itemsPath == nil, let dataset {
            itemsPath = URL(fileURLWithPath: dataset).appendingPathComponent("ml-100k.item").path
            columns.title = "movie_title"
            columns.categories = "class"
            columns.listSeparator = " "
        }
        var features: SparseMatrix?
        if let itemsPath, FileManager.default.isReadableFile(atPath: itemsPath) {
            features = try OfflineEvaluation.readItemFeatures(path: itemsPath, columns: columns, log: log)
        }
        var usersPath = users
        if usersPath == nil, let dataset { usersPath = URL(fileURLWithPath: dataset).appendingPathComponent("ml-100k.user").path }
        let side: SideFeatures
        do {
            side = try OfflineEvaluation.readSideFeatures(
                usersPath: usersPath.flatMap { FileManager.default.isReadableFile(atPath: $0) ? $0 : nil },
                itemsPath: itemsPath.flatMap { FileManager.default.isReadableFile(atPath: $0) ? $0 : nil },
                columns: columns, log: log)
        } catch let failure as ImportFailure {
            throw ValidationError(failure.description)
        }
        var content = ItemContent(text: features)
        if let embeddings {
            do {
                content.embeddings = try OfflineEvaluation.readEmbeddings(path: embeddings, log: log)
            } catch let failure as ImportFailure {
                throw ValidationError(failure.description)
            }
            guard content.embeddings != nil else {
                throw ValidationError("\(embeddings) has no valid vector for any item of the interactions")
            }
        }
        var families = models.split(separator: ",").compactMap { ModelFamily(rawValue: String($0)) }
        if content.availability == .none && families.contains(.content) {
            if models.contains("content") && self.items != nil {
                throw ValidationError("the catalogue file has no item text for the content model")
            }
            families.removeAll { $0 == .content }
        }
        var evaluation = OfflineEvaluation()
        evaluation.tuner.threads = threads
        evaluation.tuner.quick = quick
        let rows = try evaluation.run(log, families: families, content: content, side: side)
        if json {
            let value = JSONValue.array(rows.map { row in
                .object([
                    ("model", .string(row.family.rawValue)), ("chosen", .string(row.chosen)),
                    ("validationNDCG@10", row.validationNDCG.map(JSONValue.number) ?? .null),
                    ("precision@10", .number(row.test.precision)), ("recall@10", .number(row.test.recall)),
                    ("ndcg@10", .number(row.test.ndcg)), ("map@10", .number(row.test.meanAveragePrecision)),
                    ("hitRate@10", .number(row.test.hitRate)), ("coverage", .number(row.test.coverage)),
                    ("trainSeconds", .number(row.trainSeconds)), ("recommendSeconds", .number(row.recommendSeconds)),
                ])
            })
            print(value.serialized())
            return
        }
        print("\(log.count) interactions, \(log.users.count) users, \(log.items.count) items; test = last 10 per user")
        print("| model | chosen on validation | val NDCG@10 | P@10 | R@10 | NDCG@10 | MAP@10 | HR@10 | coverage | train s | recommend-all s |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for row in rows {
            let t = row.test
            print(String(
                format: "| %@ | %@ | %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.3f | %.3f |",
                row.family.rawValue, row.chosen, row.validationNDCG.map { String(format: "%.4f", $0) } ?? "-",
                t.precision, t.recall, t.ndcg, t.meanAveragePrecision, t.hitRate, t.coverage, row.trainSeconds, row.recommendSeconds))
        }
    }
}
