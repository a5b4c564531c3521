/// Reusable working buffers of `SentimentAnalyzer`: one per thread, so that scoring a batch
/// allocates nothing per text once the buffers have grown to the longest text.
package struct SentimentScratch {
    var text: [UInt8] = []
    var lower: [UInt8] = []
    var key: [UInt8] = []
    var tokenStart: [Int32] = []
    var tokenEnd: [Int32] = []
    var lowerStart: [Int32] = []
    var lowerEnd: [Int32] = []
    /// The lexicon valence of each token, NaN when it has none.
    var valence: [Double] = []
    /// The booster increment of each token, 0 when it is not a booster.
    var booster: [Double] = []
    var negation: [Bool] = []
    var upper: [Bool] = []
    var word: [SentimentRules.Word] = []
    var sentiments: [Double] = []

    package init() {}

    mutating func reset() {
        text.removeAll(keepingCapacity: true)
        lower.removeAll(keepingCapacity: true)
        tokenStart.removeAll(keepingCapacity: true)
        tokenEnd.removeAll(keepingCapacity: true)
        lowerStart.removeAll(keepingCapacity: true)
        lowerEnd.removeAll(keepingCapacity: true)
        valence.removeAll(keepingCapacity: true)
        booster.removeAll(keepingCapacity: true)
        negation.removeAll(keepingCapacity: true)
        upper.removeAll(keepingCapacity: true)
        word.removeAll(keepingCapacity: true)
        sentiments.removeAll(keepingCapacity: true)
    }
}
