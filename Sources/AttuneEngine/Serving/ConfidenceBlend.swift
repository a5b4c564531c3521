/// Blends the popularity list into the personal list of a profile with little behaviour behind
/// it, by rank: `score = w × (1 − rank_personal / L) + (1 − w) × (1 − rank_popular / L)` over
/// each list's top L (an item missing from a list takes rank L there).
package enum ConfidenceBlend {
    /// L: how deep each list is read.
    package static let depth = 200

    /// The top `count` of the fused lists, best first, with their fused scores; ties keep the
    /// personal list's order, then the popular list's.
    /// - Parameters:
    ///   - depth: L; at least ``depth``, more when a caller needs a longer list than L (filters).
    package static func fuseScored(
        personal: [Int32], popular: [Int32], personalWeight w: Double, count: Int, depth L: Int = Self.depth
    ) -> [(item: Int32, score: Float)] {
        let L = max(L, Self.depth)
        let depth = Double(L)
        var scores: [Int32: Double] = [:]
        var order: [Int32] = []
        for (rank, item) in personal.prefix(L).enumerated() {
            if scores[item] == nil { order.append(item) }
            scores[item] = w * (1 - Double(rank) / depth)
        }
        for (rank, item) in popular.prefix(L).enumerated() {
            if scores[item] == nil {
                order.append(item)
                scores[item] = 0
            }
            scores[item]! += (1 - w) * (1 - Double(rank) / depth)
        }
        return order.enumerated()
            .sorted { scores[$0.element]! != scores[$1.element]! ? scores[$0.element]! > scores[$1.element]! : $0.offset < $1.offset }
            .prefix(count).map { (item: $0.element, score: Float(scores[$0.element]!)) }
    }

    /// The weight of the personal list for a profile whose behaviour completeness is `behaviour`
    /// (``ProfileCompleteness``): the score itself. Measured on MovieLens 100k (`attune evaluate
    /// thin-profiles`): users held out of training, served by fold-in from their first n ratings,
    /// scored best at a personal weight close to their behaviour score for n from 2 to 50 (0.30 →
    /// 0.25, 0.45 → 0.5, 0.73 → 0.75), and every blend beat the personal list alone.
    package static func personalWeight(behaviour: Double) -> Double { min(1, max(0, behaviour)) }

    package static func fuse(personal: [Int32], popular: [Int32], personalWeight: Double, count: Int) -> [Int32] {
        fuseScored(personal: personal, popular: popular, personalWeight: personalWeight, count: count).map(\.item)
    }
}
