import AttuneML
import Foundation

// Offline evaluation harness until `attune evaluate` lands: runs the protocol of DESIGN.md §6 on
// MovieLens 100k (scripts/fetch-movielens.sh data/ml-100k) for every model:
// grid on the validation split, refit the best on full training, report on test.

struct Options {
    var dataPath = "data/ml-100k/ml-100k.inter"
    var threads = 2
    var models = ["pop", "pop-decay", "knn", "als", "bpr"]
    var recsDirectory: String?
    var benchALS = false
    var repeats = 3
    var quickGrid = false

    init(arguments: [String]) {
        var it = arguments.dropFirst().makeIterator()
        while let a = it.next() {
            switch a {
            case "--data": dataPath = it.next()!
            case "--threads": threads = Int(it.next()!)!
            case "--models": models = it.next()!.split(separator: ",").map(String.init)
            case "--recs-dir": recsDirectory = it.next()!
            case "--bench-als": benchALS = true
            case "--repeats": repeats = Int(it.next()!)!
            case "--quick": quickGrid = true
            default:
                FileHandle.standardError.write("unknown argument \(a)\n".data(using: .utf8)!)
                exit(2)
            }
        }
    }
}

struct Dataset {
    var userIDs: [Int]
    var itemIDs: [Int]
    var train: HoldoutSplit
    var validation: HoldoutSplit
    var trainMatrix: SparseMatrix
    var subtrainMatrix: SparseMatrix
    var trainTimestamps: (items: [Int32], timestamps: [Int64], subItems: [Int32], subTimestamps: [Int64])
    var maxTrainTime: Int64
    var maxSubtrainTime: Int64
}

func loadDataset(path: String) throws -> Dataset {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    let header = lines.removeFirst().split(separator: "\t").map { $0.split(separator: ":")[0] }
    guard let iu = header.firstIndex(of: "user_id"), let ii = header.firstIndex(of: "item_id"),
          let it = header.firstIndex(of: "timestamp") else {
        throw AttuneMLError.invalidArgument("header must name user_id, item_id, timestamp")
    }
    var rawUsers: [Int] = [], rawItems: [Int] = [], stamps: [Int64] = []
    for line in lines {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false)
        rawUsers.append(Int(f[iu])!)
        rawItems.append(Int(f[ii])!)
        stamps.append(Int64(Double(f[it])!))
    }
    // Ascending-id vocabularies make "ties by ascending item id" equal "ties by ascending index".
    let users = Vocabulary(Set(rawUsers).sorted())
    let items = Vocabulary(Set(rawItems).sorted())
    let u = rawUsers.map { users.index(of: $0)! }
    let i = rawItems.map { items.index(of: $0)! }
    let sequences = try HoldoutSplit.chronologicalSequences(users: u, items: i, timestamps: stamps, userCount: users.count)
    let train = HoldoutSplit(sequences: sequences, holdout: 10)
    let validation = HoldoutSplit(sequences: train.head, holdout: 10)
    // Timestamps of the training parts for time-decayed popularity.
    var stampOf: [Int64: Int64] = [:]
    for k in u.indices { stampOf[Int64(u[k]) << 32 | Int64(i[k])] = stamps[k] }
    var tItems: [Int32] = [], tStamps: [Int64] = [], sItems: [Int32] = [], sStamps: [Int64] = []
    for user in 0..<users.count {
        for item in train.head[user] {
            tItems.append(item); tStamps.append(stampOf[Int64(user) << 32 | Int64(item)]!)
        }
        for item in validation.head[user] {
            sItems.append(item); sStamps.append(stampOf[Int64(user) << 32 | Int64(item)]!)
        }
    }
    return Dataset(
        userIDs: users.keys, itemIDs: items.keys, train: train, validation: validation,
        trainMatrix: try train.trainingMatrix(itemCount: items.count),
        subtrainMatrix: try validation.trainingMatrix(itemCount: items.count),
        trainTimestamps: (tItems, tStamps, sItems, sStamps),
        maxTrainTime: tStamps.max() ?? 0, maxSubtrainTime: sStamps.max() ?? 0)
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

struct Candidate {
    var name: String
    /// (matrix, timestamps-part, isValidation) -> model
    var fit: (SparseMatrix, Bool) throws -> any Recommender
}

struct Row {
    var model: String
    var config: String
    var validationNDCG: Double
    var report: RankingReport
    var trainSeconds: Double
    var recommendSeconds: Double
}

func evaluateValidation(_ model: any Recommender, data: Dataset, threads: Int) -> RankingReport {
    let recs = model.recommendAll(seen: data.subtrainMatrix, k: 10, threads: threads)
    return RankingMetrics.evaluate(
        recommendations: recs, truth: data.validation.tail, seen: data.validation.head,
        users: data.validation.usersWithHistory, catalogSize: data.itemIDs.count, k: 10)
}

func writeRecs(_ recs: [[Int32]], data: Dataset, path: String) throws {
    var out = "user_id,item_id,rank\n"
    for (u, list) in recs.enumerated() {
        for (r, item) in list.enumerated() { out += "\(data.userIDs[u]),\(data.itemIDs[Int(item)]),\(r + 1)\n" }
    }
    try out.write(toFile: path, atomically: true, encoding: .utf8)
}

func run(family: String, candidates: [Candidate], data: Dataset, options: Options) throws -> Row {
    var best: (Candidate, Double)?
    for c in candidates {
        let model = try c.fit(data.subtrainMatrix, true)
        let r = evaluateValidation(model, data: data, threads: options.threads)
        print(String(format: "  val %-40@ NDCG@10 %.4f", c.name as NSString, r.ndcg))
        if best == nil || r.ndcg > best!.1 { best = (c, r.ndcg) }
    }
    let chosen = best!.0
    let clock = ContinuousClock()
    var model: (any Recommender)?
    let trainTime = try clock.measure { model = try chosen.fit(data.trainMatrix, false) }
    var recs: [[Int32]] = []
    let recTime = clock.measure { recs = model!.recommendAll(seen: data.trainMatrix, k: 10, threads: options.threads) }
    let report = RankingMetrics.evaluate(
        recommendations: recs, truth: data.train.tail, seen: data.train.head,
        users: Array(0..<data.userIDs.count), catalogSize: data.itemIDs.count, k: 10)
    if let dir = options.recsDirectory {
        try writeRecs(recs, data: data, path: "\(dir)/\(family).csv")
    }
    return Row(model: family, config: chosen.name, validationNDCG: best!.1, report: report,
               trainSeconds: seconds(trainTime), recommendSeconds: seconds(recTime))
}

func candidates(for family: String, data: Dataset, options: Options) -> [Candidate] {
    let threads = options.threads
    switch family {
    case "pop":
        return [Candidate(name: "count") { m, _ in PopularityModel.fit(interactions: m) }]
    case "pop-decay":
        let days: [Double] = options.quickGrid ? [30] : [7, 30, 90, 365]
        return days.map { d in
            Candidate(name: "halfLife\(Int(d))d") { _, isVal in
                let t = data.trainTimestamps
                return try PopularityModel.fit(
                    items: isVal ? t.subItems : t.items, timestamps: isVal ? t.subTimestamps : t.timestamps,
                    itemCount: data.itemIDs.count, now: isVal ? data.maxSubtrainTime : data.maxTrainTime,
                    configuration: .init(halfLife: d * 86_400))
            }
        }
    case "knn":
        let ks = options.quickGrid ? [200] : [100, 200, 300]
        let shrinks: [Float] = options.quickGrid ? [0] : [0, 10]
        let betas: [Float] = options.quickGrid ? [0.25] : [0, 0.25, 0.5]
        return ks.flatMap { k in
            shrinks.flatMap { s in
                betas.map { b in
                    Candidate(name: "K\(k)_shrink\(Int(s))_userExp\(b)") { m, _ in
                        try ItemKNN.fit(interactions: m, configuration: .init(neighbors: k, shrinkage: s, userWeightExponent: b),
                                        threads: threads)
                    }
                }
            }
        }
    default:
        return extraCandidates(for: family, options: options)
    }
}

let options = Options(arguments: CommandLine.arguments)
let loadStart = ContinuousClock.now
let data = try loadDataset(path: options.dataPath)
print("loaded \(data.trainMatrix.nonZeroCount) train, \(data.subtrainMatrix.nonZeroCount) subtrain interactions, "
      + "\(data.userIDs.count) users, \(data.itemIDs.count) items in "
      + String(format: "%.2f s", seconds(ContinuousClock.now - loadStart)))

if options.benchALS {
    try benchmarkALS(data: data, options: options)
    exit(0)
}

var rows: [Row] = []
for family in options.models {
    print("[\(family)]")
    rows.append(try run(family: family, candidates: candidates(for: family, data: data, options: options),
                        data: data, options: options))
}
print("")
print("| model | chosen on val | val NDCG | P@10 | R@10 | NDCG@10 | MAP@10 | HR@10 | coverage | train s | rec-all s | violations |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for r in rows {
    let m = r.report
    print(String(format: "| %@ | %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.3f | %.3f | %d |",
                 r.model as NSString, r.config as NSString, r.validationNDCG, m.precision, m.recall, m.ndcg,
                 m.meanAveragePrecision, m.hitRate, m.coverage, r.trainSeconds, r.recommendSeconds,
                 m.seenItemsRecommended + m.shortLists))
}
