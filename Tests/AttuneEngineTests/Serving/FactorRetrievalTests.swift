import AttuneEngine
import AttuneML
import Testing

struct FactorRetrievalTests {
    /// 300 users x 400 items with random interactions: enough for a graph with several levels.
    static func interactions() throws -> SparseMatrix {
        var rng = SeededGenerator(seed: 5)
        var rows: [[Int32]] = []
        for u in 0..<300 {
            var items = Set<Int32>()
            while items.count < 12 { items.insert(Int32((u * 7 + Int(rng.next() % 60)) % 400)) }
            rows.append(items.sorted())
        }
        return try SparseMatrix(rowLists: rows, columnCount: 400)
    }

    @Test func approximatesTheFullScanAndNeverReturnsHistory() throws {
        let seen = try Self.interactions()
        let als = try ImplicitALS.fit(interactions: seen, configuration: .init(factors: 16, iterations: 5, seed: 1), threads: 1)
        let bpr = try BPR.fit(interactions: seen, configuration: .init(factors: 16, iterations: 20, seed: 1), threads: 1)
        #expect(FactorRetrieval(als) == nil, "small catalogues are scanned")
        for model in [als, bpr] as [any Recommender] {
            let retrieval = try #require(FactorRetrieval(model, minimumItems: 1, threads: 1))
            var hits = 0
            var total = 0
            for u in 0..<50 {
                let history = Array(seen.columns(ofRow: u))
                let exact = model.recommend(user: u, history: history, k: 10)
                let found = try #require(retrieval.candidates(user: u, history: history, count: 10))
                #expect(found.count == 10)
                #expect(found.allSatisfy { !history.contains($0.item) })
                hits += Set(exact).intersection(found.map(\.item)).count
                total += exact.count
            }
            #expect(Double(hits) / Double(total) >= 0.9, "recall@10 \(Double(hits) / Double(total))")
            // A user the model has not seen is served from the folded-in history.
            let cold = try #require(retrieval.candidates(user: nil, history: [1, 2, 3], count: 5))
            #expect(cold.count == 5 && cold.allSatisfy { ![1, 2, 3].contains($0.item) })
        }
    }
}
