/// The fixed word lists and constants of VADER's rules (Hutto and Gilbert, "VADER: A Parsimonious
/// Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM 2014; vaderSentiment 3.3.2,
/// MIT licence). They are part of the method, not of the lexicon, which is data supplied at run time.
enum SentimentRules {
    /// Added to (or, before a negative word, taken from) the valence by an intensifier.
    static let boosterIncrement = 0.293
    /// The same for a dampener ("kind of", "slightly").
    static let boosterDecrement = -0.293
    /// Emphasis of a word in capitals among words that are not.
    static let capitalIncrement = 0.733
    /// Multiplier of a negated word's valence.
    static let negationScalar = -0.74
    /// The normalisation constant of the compound score: x / sqrt(x² + alpha).
    static let normalisationAlpha = 15.0

    static let negations: [String] = [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
        "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
        "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
        "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
        "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
        "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
        "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
        "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
    ]

    static let intensifiers: [String] = [
        "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably", "decidedly", "deeply",
        "effing", "enormous", "enormously", "entirely", "especially", "exceptional", "exceptionally", "extreme",
        "extremely", "fabulously", "flipping", "flippin", "frackin", "fracking", "fricking", "frickin", "frigging",
        "friggin", "fully", "fuckin", "fucking", "fuggin", "fugging", "greatly", "hella", "highly", "hugely",
        "incredible", "incredibly", "intensely", "major", "majorly", "more", "most", "particularly", "purely",
        "quite", "really", "remarkably", "so", "substantially", "thoroughly", "total", "totally", "tremendous",
        "tremendously", "uber", "unbelievably", "unusually", "utter", "utterly", "very",
    ]

    static let dampeners: [String] = [
        "almost", "barely", "hardly", "just enough", "kind of", "kinda", "kindof", "kind-of", "less", "little",
        "marginal", "marginally", "occasional", "occasionally", "partly", "scarce", "scarcely", "slight",
        "slightly", "somewhat", "sort of", "sorta", "sortof", "sort-of",
    ]

    /// Phrases whose valence replaces that of the word they contain.
    static let specialCases: [(String, Double)] = [
        ("the shit", 3), ("the bomb", 3), ("bad ass", 1.5), ("badass", 1.5), ("bus stop", 0.0),
        ("yeah right", -2), ("kiss of death", -1.5), ("to die for", 3), ("beating heart", 3.5),
    ]

    /// Words the rules test for by name, each with a code so the rule loop compares small integers.
    enum Word: UInt8 {
        case other = 0, no, or, nor, least, at, very, never, so, this, without, doubt, but, kind, of
    }

    static let namedWords: [(String, Word)] = [
        ("no", .no), ("or", .or), ("nor", .nor), ("least", .least), ("at", .at), ("very", .very),
        ("never", .never), ("so", .so), ("this", .this), ("without", .without), ("doubt", .doubt),
        ("but", .but), ("kind", .kind), ("of", .of),
    ]
}
