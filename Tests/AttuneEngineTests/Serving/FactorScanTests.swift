import AttuneEngine
import AttuneML
import Testing

struct FactorScanTests {
    /// The pruned scan answers exactly what scoring every item and taking the top does, for
    /// trained users and for users folded in from their history, for ALS and BPR (item biases).
    @Test func answersWhatTheFullScanAnswers() throws {
        let seen = try FactorRetrievalTests.interactions()
        let als = try ImplicitALS.fit(interactions: seen, configuration: .init(factors: 16, iterations: 5, seed: 1), threads: 1)
        let bpr = try BPR.fit(interactions: seen, configuration: .init(factors: 16, iterations: 20, seed: 1), threads: 1)
        #expect(FactorScan(PopularityModel.fit(interactions: seen)) == nil, "only factor models are scanned")
        for model in [als, bpr] as [any Recommender] {
            let scan = try #require(FactorScan(model))
            for u in 0..<60 {
                let history = Array(seen.columns(ofRow: u))
                for user in [u, nil] as [Int?] {
                    var scores = [Float](repeating: 0, count: model.itemCount)
                    let ones = [Float](repeating: 1, count: history.count)
                    history.withUnsafeBufferPointer { h in
                        ones.withUnsafeBufferPointer { v in
                            scores.withUnsafeMutableBufferPointer { model.score(user: user, history: h, values: v, into: $0) }
                        }
                    }
                    var selector = TopKSelector(k: 30)
                    let exact = selector.select(scores: scores, excluding: history)
                    let found = scan.candidates(user: user, history: history, count: 30)
                    #expect(found.map(\.item) == exact)
                    #expect(found.map(\.score) == exact.map { scores[Int($0)] })
                }
            }
        }
    }
}
