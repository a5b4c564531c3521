import Testing

@testable import AttuneML

/// Each rule on hand-written sentences, scored with a tiny lexicon written here (the real one is
/// downloaded data). Expected compounds are those of the reference implementation
/// (vaderSentiment 3.3.2) given the same lexicon, rounded to four places as it reports them.
struct SentimentAnalyzerTests {
    static let lexicon = SentimentLexicon(
        valences: [
            "good": 1.9, "great": 3.1, "bad": -2.5, "love": 3.2, "hate": -2.7, ":)": 2.0, "smiling": 1.6,
            "bomb": -2.2, "problem": -1.7,
        ],
        emojiDescriptions: ["😁": "beaming face with smiling eyes"])
    static let analyzer = SentimentAnalyzer(lexicon: lexicon)

    @Test(arguments: [
        ("The book was good.", 0.4404),
        // Negation, also contracted, and "least".
        ("The book was not good.", -0.3412),
        ("The book wasn't good.", -0.3412),
        ("It was the least good", -0.3412),
        ("There is no good answer", -0.3412),
        ("No problem at all", 0.3089),
        ("It was never so good", 0.6626),
        ("Without doubt good", 0.4404),
        // Intensifiers and dampeners, single words and phrases.
        ("The book was very good.", 0.4927),
        ("the book was really very good", 0.5379),
        ("The book was kind of good.", 0.3832),
        ("The book was slightly good.", 0.3832),
        // "but": the clause after it dominates.
        ("The plot was good, but the ending was bad.", -0.5859),
        // Punctuation emphasis.
        ("The book was good!!!", 0.5826),
        ("The book was good??", 0.504),
        // Capitals among lower case emphasise; all capitals do not.
        ("The book was GOOD.", 0.5622),
        ("GOOD BOOK", 0.4404),
        ("VERY good book", 0.6028),
        // Emoticons survive punctuation stripping; emoji are scored by their description.
        ("Make sure you :) today", 0.4588),
        ("Nice 😁", 0.3818),
        // Special phrases.
        ("That was the bomb", 0.6124),
        // Other scripts pass through untouched.
        ("Não é bad", -0.5423),
    ])
    func compoundMatchesTheReference(text: String, expected: Double) {
        let score = Self.analyzer.score(text)
        #expect(abs(score.compound - expected) < 0.00006, "\(text): \(score.compound)")
    }

    @Test func textWithoutWordsIsNeutralZero() {
        for text in ["", "   ", "!!!", "\n\t"] {
            let score = Self.analyzer.score(text)
            #expect(score.compound == 0)
            #expect(score.label == .neutral)
        }
    }

    @Test func labelsUseTheUsualCutOffs() {
        #expect(SentimentLabel(compound: 0.05) == .positive)
        #expect(SentimentLabel(compound: 0.0499) == .neutral)
        #expect(SentimentLabel(compound: -0.05) == .negative)
        #expect(Self.analyzer.score("I love it").label == .positive)
        #expect(Self.analyzer.score("I hate it").label == .negative)
        #expect(Self.analyzer.score("It is a chair").label == .neutral)
    }

    @Test func proportionsSumToOne() {
        let score = Self.analyzer.score("The plot was good, but the ending was bad.")
        #expect(abs(score.positive + score.negative + score.neutral - 1) < 1e-9)
        #expect(abs(score.positive - 0.142) < 0.0006)
        #expect(abs(score.negative - 0.347) < 0.0006)
    }

    @Test func compoundStaysWithinUnitInterval() {
        let text = String(repeating: "great love GREAT !!!! ", count: 200)
        let score = Self.analyzer.score(text)
        #expect(score.compound <= 1 && score.compound > 0.99)
    }

    @Test func scratchReuseGivesTheSameScores() {
        var scratch = SentimentScratch()
        let texts = ["The book was GOOD.", "Nice 😁", "", "The plot was good, but the ending was bad."]
        for text in texts + texts {
            #expect(Self.analyzer.score(text, scratch: &scratch) == Self.analyzer.score(text))
        }
    }

    @Test func parsesVaderFileFormats() throws {
        let lexicon = try SentimentLexicon.parse(
            lexicon: "good\t1.9\t0.9\t[2, 2]\n:(\t-1.9\t0.5\t[]\n\n", emoji: "😁\tbeaming face\n")
        #expect(lexicon.wordCount == 2)
        // The published files end lines with CRLF.
        let crlf = try SentimentLexicon.parse(lexicon: "good\t1.9\t0.9\r\nbad\t-2.5\t0.5\r\n", emoji: "😁\tbeaming face\r\n")
        #expect(crlf.wordCount == 2)
        #expect(SentimentAnalyzer(lexicon: crlf).score("bad 😁").compound < 0)
        #expect(lexicon.emojiCount == 1)
        #expect(throws: SentimentLexiconError(file: "lexicon", line: 2)) {
            try SentimentLexicon.parse(lexicon: "good\t1.9\nbad\tnot-a-number\n")
        }
        #expect(throws: SentimentLexiconError(file: "lexicon", line: 0)) { try SentimentLexicon.parse(lexicon: "\n") }
    }
}
