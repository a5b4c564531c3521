/// The polarity of a text, by the compound score's usual cut-offs (±0.05).
package enum SentimentLabel: String, Sendable, Codable, CaseIterable {
    case positive, negative, neutral

    /// The label of a compound score: positive at 0.05 and above, negative at -0.05 and below.
    package init(compound: Double) {
        if compound >= 0.05 {
            self = .positive
        } else if compound <= -0.05 {
            self = .negative
        } else {
            self = .neutral
        }
    }
}

/// The sentiment of one text.
package struct SentimentScore: Sendable, Equatable {
    /// The normalised sum of the word valences after the rules, in [-1, 1].
    package var compound: Double
    /// The shares of the text that are positive, negative and neutral (they sum to about 1; all
    /// zero for a text without words).
    package var positive: Double
    package var negative: Double
    package var neutral: Double

    package var label: SentimentLabel { SentimentLabel(compound: compound) }

    package init(compound: Double, positive: Double = 0, negative: Double = 0, neutral: Double = 0) {
        self.compound = compound
        self.positive = positive
        self.negative = negative
        self.neutral = neutral
    }
}
