/// Word valences and emoji descriptions for `SentimentAnalyzer`, in lookup tables built once.
///
/// The lexicon is data supplied at run time (for example VADER's `vader_lexicon.txt`, fetched by
/// `scripts/fetch-sentiment-lexicon.sh`), never compiled in.
package struct SentimentLexicon: Sendable {
    let words: ByteStringTable
    let valences: [Double]
    /// Emoji (single scalars) to the UTF-8 bytes of their description, which is then scored as words.
    let emojiDescriptions: [UInt32: [UInt8]]

    /// The number of scored words.
    package var wordCount: Int { valences.count }
    /// The number of emoji with a description.
    package var emojiCount: Int { emojiDescriptions.count }

    /// A lexicon from word valences (on VADER's scale, -4 to +4) and emoji descriptions. Keys are
    /// matched against lower-cased tokens, so they should be lower case. Emoji keys of more than
    /// one scalar are ignored: text is scanned one scalar at a time.
    package init(valences: [String: Double], emojiDescriptions: [String: String] = [:]) {
        let ordered = valences.sorted { $0.key < $1.key }
        words = ByteStringTable(strings: ordered.map(\.key))
        self.valences = ordered.map(\.value)
        var emoji: [UInt32: [UInt8]] = [:]
        for (key, description) in emojiDescriptions {
            let scalars = key.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first else { continue }
            emoji[scalar.value] = Array(description.utf8)
        }
        self.emojiDescriptions = emoji
    }

    /// Parses VADER's file formats: `token<TAB>mean valence<TAB>…` per line, and
    /// `emoji<TAB>description` per line.
    /// - Throws: `SentimentLexiconError` naming the first malformed line.
    package static func parse(lexicon: String, emoji: String? = nil) throws -> SentimentLexicon {
        var valences: [String: Double] = [:]
        var lineNumber = 0
        for line in lexicon.split(omittingEmptySubsequences: false, whereSeparator: Self.isLineBreak) {
            lineNumber += 1
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            let fields = trimmed.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, let value = Double(fields[1].trimmingWhitespace()), value.isFinite else {
                throw SentimentLexiconError(file: "lexicon", line: lineNumber)
            }
            valences[String(fields[0])] = value
        }
        var descriptions: [String: String] = [:]
        if let emoji {
            lineNumber = 0
            for line in emoji.split(omittingEmptySubsequences: false, whereSeparator: Self.isLineBreak) {
                lineNumber += 1
                let trimmed = line.trimmingWhitespace()
                if trimmed.isEmpty { continue }
                let fields = trimmed.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count >= 2 else { throw SentimentLexiconError(file: "emoji", line: lineNumber) }
                descriptions[String(fields[0])] = String(fields[1])
            }
        }
        guard !valences.isEmpty else { throw SentimentLexiconError(file: "lexicon", line: 0) }
        return SentimentLexicon(valences: valences, emojiDescriptions: descriptions)
    }

    /// Line feeds, and CRLF, which a Swift string holds as one character (the files ship with it).
    static func isLineBreak(_ character: Character) -> Bool {
        character == "\n" || character == "\r\n"
    }

    @inline(__always)
    func valence(_ token: UnsafeBufferPointer<UInt8>) -> Double? {
        words.index(of: token).map { valences[$0] }
    }
}

/// A lexicon file that could not be read: which file and the first bad line (0: no entries).
package struct SentimentLexiconError: Error, Equatable {
    package let file: String
    package let line: Int
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }
}
