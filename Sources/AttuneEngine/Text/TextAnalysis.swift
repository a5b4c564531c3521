import AttuneCore
import AttuneML
import Foundation

/// What ingest learns from one text.
package struct TextAnalysis: Sendable {
    /// The text in NFC, with e-mail addresses and phone numbers replaced by tokens when
    /// pseudonymisation is on.
    package var body: String
    /// `nil` when no sentiment lexicon is loaded.
    package var sentiment: SentimentScore?
    /// Kinds and normal forms (tokens for e-mails and phones when pseudonymised), as stored.
    package var entities: JSONValue
    package var mentions: [MentionTarget]
}

/// Sentiment, entities, catalogue mentions and pseudonymisation of one text.
///
/// Text is normalised to NFC before anything else, so that offsets, stored bytes and matches do
/// not depend on how the client composed accents; catalogue names are matched on the NFKC form,
/// which also folds compatibility characters (full-width letters, ligatures).
package struct TextAnalyzer: Sendable {
    let sentiment: SentimentAnalyzer?
    /// `nil` stores e-mail addresses and phone numbers as written.
    let pseudonymizer: TextPseudonymizer?
    let extractor = EntityExtractor()

    package init(sentiment: SentimentAnalyzer?, pseudonymizer: TextPseudonymizer?) {
        self.sentiment = sentiment
        self.pseudonymizer = pseudonymizer
    }

    package var hasSentiment: Bool { sentiment != nil }

    package func analyze(_ text: String, names: CatalogNames?) -> TextAnalysis {
        let normalized = text.precomposedStringWithCanonicalMapping
        let found = extractor.entities(in: normalized)
        let score = sentiment?.score(normalized)
        let mentions = names?.mentions(in: normalized.precomposedStringWithCompatibilityMapping) ?? []
        var bytes = Array(normalized.utf8)
        var entities: [JSONValue] = []
        // Back to front, so that earlier ranges stay valid while later ones are replaced.
        var replacements: [(Range<Int>, String)] = []
        for entity in found {
            var members: [(key: String, value: JSONValue)] = [("kind", .string(entity.kind.rawValue))]
            let personal = entity.kind == .email || entity.kind == .phone
            if personal, let pseudonymizer {
                let token = pseudonymizer.token(kind: entity.kind.rawValue, value: entity.normalized ?? entity.text)
                replacements.append((entity.range, token))
                members.append(("value", .string(token)))
            } else {
                members.append(("text", .string(entity.text)))
                members.append(("value", entity.normalized.map(JSONValue.string) ?? .null))
            }
            entities.append(.object(members))
        }
        for (range, token) in replacements.reversed() {
            bytes.replaceSubrange(range, with: Array(token.utf8))
        }
        return TextAnalysis(
            body: replacements.isEmpty ? normalized : String(decoding: bytes, as: UTF8.self), sentiment: score,
            entities: .array(entities), mentions: mentions)
    }
}

/// The sentiment lexicon files in a directory: VADER's `vader_lexicon.txt` and, optionally,
/// `emoji_utf8_lexicon.txt` (see `scripts/fetch-sentiment-lexicon.sh`).
package enum SentimentLexiconFiles {
    package static let lexiconFile = "vader_lexicon.txt"
    package static let emojiFile = "emoji_utf8_lexicon.txt"

    /// The lexicon in `directory`, or `nil` when the directory has no lexicon file.
    /// - Throws: when a file is there but unreadable or malformed.
    package static func load(directory: String) throws -> SentimentLexicon? {
        let lexiconPath = (directory as NSString).appendingPathComponent(lexiconFile)
        guard FileManager.default.fileExists(atPath: lexiconPath) else { return nil }
        let lexicon = try String(contentsOfFile: lexiconPath, encoding: .utf8)
        let emojiPath = (directory as NSString).appendingPathComponent(emojiFile)
        let emoji = FileManager.default.fileExists(atPath: emojiPath)
            ? try String(contentsOfFile: emojiPath, encoding: .utf8) : nil
        do {
            return try SentimentLexicon.parse(lexicon: lexicon, emoji: emoji)
        } catch let error as SentimentLexiconError {
            throw AttuneError(
                code: .invalidValue, message: "malformed sentiment lexicon: \(error.file) file, line \(error.line)")
        }
    }
}
