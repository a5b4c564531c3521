/// Splits free text into lower-case word tokens, for any script.
///
/// Text is lower-cased with Unicode case mapping, then cut at every character that is neither a
/// letter nor a digit (punctuation, spaces, symbols, emoji). Accented and non-Latin letters stay
/// inside words ("Amélie", "Москва", "서울"). Scripts written without spaces between words (Han,
/// Hiragana, Katakana) cannot be cut at spaces, so each of their characters becomes a token of its
/// own, as search engines' standard analysers do; a run of them would otherwise be one huge token
/// that never matches another text. Tokens are `String`s, so canonically equivalent spellings
/// (a precomposed "é" and "e" + combining accent) are the same token.
package struct Tokenizer: Sendable, Equatable {
    /// Tokenisation settings, saved with the vectoriser that uses them.
    package struct Configuration: Sendable, Equatable {
        /// Shorter tokens (in characters) are dropped, except single ideographs, which are whole words.
        package var minimumLength: Int
        /// Tokens in this set are dropped (compared after lower-casing).
        package var stopWords: Set<String>

        package init(minimumLength: Int = 2, stopWords: Set<String> = StopWords.english) {
            self.minimumLength = minimumLength
            self.stopWords = stopWords
        }
    }

    package let configuration: Configuration

    package init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// The tokens of `text` in reading order (repeats kept, so counts give term frequencies).
    /// Empty or all-punctuation text gives no tokens.
    /// - Complexity: O(n) in the number of characters.
    package func tokens(in text: String) -> [String] {
        var out: [String] = []
        var word = ""
        func flush() {
            if !word.isEmpty, word.count >= configuration.minimumLength, !configuration.stopWords.contains(word) {
                out.append(word)
            }
            word = ""
        }
        for character in text.lowercased() {
            if Self.isSpacelessScriptCharacter(character) {
                flush()
                let token = String(character)
                if !configuration.stopWords.contains(token) { out.append(token) }
            } else if character.isLetter || character.isNumber {
                word.append(character)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    /// Han ideographs and Japanese kana: scripts that do not separate words with spaces.
    static func isSpacelessScriptCharacter(_ character: Character) -> Bool {
        // Letters only: the kana block also holds punctuation such as the middle dot.
        guard character.isLetter, let scalar = character.unicodeScalars.first else { return false }
        if scalar.properties.isIdeographic { return true }
        // Hiragana, Katakana and their phonetic extensions.
        switch scalar.value {
        case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9D: return true
        default: return false
        }
    }
}
