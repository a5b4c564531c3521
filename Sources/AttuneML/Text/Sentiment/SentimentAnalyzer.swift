/// A lexicon-and-rules sentiment analyser after VADER (Hutto and Gilbert, ICWSM 2014).
///
/// Each word found in the lexicon contributes its valence, adjusted by the rules: negation within
/// three words ("not good", "never so good"), intensifiers and dampeners ("very", "kind of") with
/// decaying weight by distance, a word in capitals among words that are not, "no" before a scored
/// word, "least", the clause after "but" weighing 1.5 and the one before 0.5, special phrases ("the
/// bomb", "kiss of death"), exclamation and question marks, and emoji replaced by their
/// descriptions. The sum is normalised to [-1, 1] by x / sqrt(x² + 15).
///
/// The rules follow the reference implementation (vaderSentiment 3.3.2), including its tokenisation
/// (white space, then punctuation stripped from words of three or more characters, so that ":)"
/// survives), so that scores agree with it. One deliberate difference: the "but" rule scales each
/// word by its own position; the reference finds positions by value, which mis-scales a repeated
/// valence.
///
/// Text is scanned as UTF-8 bytes in reusable buffers; only tokens that are not ASCII are
/// lower-cased through `String`.
package struct SentimentAnalyzer: Sendable {
    package let lexicon: SentimentLexicon
    let boosters: ByteStringTable
    let boosterValues: [Double]
    let phraseBoosters: ByteStringTable
    let phraseBoosterValues: [Double]
    let negations: ByteStringTable
    let specialCases: ByteStringTable
    let specialCaseValues: [Double]
    let namedWords: ByteStringTable
    let namedWordCodes: [SentimentRules.Word]

    package init(lexicon: SentimentLexicon) {
        self.lexicon = lexicon
        let boosterPairs = SentimentRules.intensifiers.map { ($0, SentimentRules.boosterIncrement) }
            + SentimentRules.dampeners.map { ($0, SentimentRules.boosterDecrement) }
        let single = boosterPairs.filter { !$0.0.contains(" ") }
        let phrases = boosterPairs.filter { $0.0.contains(" ") }
        boosters = ByteStringTable(strings: single.map(\.0))
        boosterValues = single.map(\.1)
        phraseBoosters = ByteStringTable(strings: phrases.map(\.0))
        phraseBoosterValues = phrases.map(\.1)
        negations = ByteStringTable(strings: SentimentRules.negations)
        specialCases = ByteStringTable(strings: SentimentRules.specialCases.map(\.0))
        specialCaseValues = SentimentRules.specialCases.map(\.1)
        namedWords = ByteStringTable(strings: SentimentRules.namedWords.map(\.0))
        namedWordCodes = SentimentRules.namedWords.map(\.1)
    }

    /// The sentiment of `text`.
    /// - Complexity: O(n) in the length of the text.
    package func score(_ text: String) -> SentimentScore {
        var scratch = SentimentScratch()
        return score(text, scratch: &scratch)
    }

    /// The sentiment of `text`, working in `scratch` (reuse it across texts on one thread).
    package func score(_ text: String, scratch: inout SentimentScratch) -> SentimentScore {
        scratch.reset()
        var input = text
        input.withUTF8 { replaceEmoji($0, into: &scratch.text) }
        tokenise(&scratch)
        let count = scratch.tokenStart.count
        guard count > 0 else { return SentimentScore(compound: 0) }
        var capitals = 0
        for flag in scratch.upper where flag { capitals += 1 }
        let capitalDifferential = capitals > 0 && capitals < count
        for i in 0..<count {
            scratch.sentiments.append(valence(at: i, count: count, capitalDifferential: capitalDifferential, &scratch))
        }
        if let but = scratch.word.firstIndex(of: .but) {
            for i in 0..<count where i != but {
                scratch.sentiments[i] *= i < but ? 0.5 : 1.5
            }
        }
        return Self.combine(scratch.sentiments, text: scratch.text)
    }

    // MARK: - Emoji and tokens

    /// Copies `bytes`, replacing each emoji of the lexicon by its description, preceded by a space
    /// unless one precedes it already (as the reference does).
    private func replaceEmoji(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let emoji = lexicon.emojiDescriptions
        var previousSpace = true
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte < 0x80 {
                out.append(byte)
                previousSpace = byte == 0x20
                i += 1
                continue
            }
            let (scalar, length) = UTF8Scalars.decode(bytes, at: i)
            if !emoji.isEmpty, let description = emoji[scalar] {
                if !previousSpace { out.append(0x20) }
                out.append(contentsOf: description)
                previousSpace = false
            } else {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + length)]))
                previousSpace = false
            }
            i += length
        }
    }

    @inline(__always)
    private static func isPunctuation(_ byte: UInt8) -> Bool {
        (byte >= 0x21 && byte <= 0x2F) || (byte >= 0x3A && byte <= 0x40) || (byte >= 0x5B && byte <= 0x60)
            || (byte >= 0x7B && byte <= 0x7E)
    }

    /// Splits at white space, strips ASCII punctuation from both ends of tokens that keep at least
    /// three scalars, and records each token's lower-case form and the rule facts about it.
    private func tokenise(_ scratch: inout SentimentScratch) {
        scratch.text.withUnsafeBufferPointer { bytes in
            var i = 0
            var start = -1
            var ascii = true
            while i <= bytes.count {
                var isSpace = true
                var length = 1
                if i < bytes.count {
                    let byte = bytes[i]
                    if byte < 0x80 {
                        isSpace = UTF8Scalars.isWhitespace(UInt32(byte))
                    } else {
                        let decoded = UTF8Scalars.decode(bytes, at: i)
                        length = decoded.length
                        isSpace = UTF8Scalars.isWhitespace(decoded.scalar)
                    }
                }
                if isSpace {
                    if start >= 0 { addToken(bytes, start: start, end: i, ascii: ascii, &scratch) }
                    start = -1
                } else {
                    if start < 0 { start = i; ascii = true }
                    if bytes[i] >= 0x80 { ascii = false }
                }
                i += length
            }
        }
    }

    private func addToken(
        _ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, ascii: Bool, _ scratch: inout SentimentScratch
    ) {
        var s = start
        var e = end
        while s < e, Self.isPunctuation(bytes[s]) { s += 1 }
        while e > s, Self.isPunctuation(bytes[e - 1]) { e -= 1 }
        var scalars = 0
        for k in s..<e where bytes[k] & 0xC0 != 0x80 { scalars += 1 }
        if scalars <= 2 { s = start; e = end }
        scratch.tokenStart.append(Int32(s))
        scratch.tokenEnd.append(Int32(e))
        let lowerStart = scratch.lower.count
        var hasUpper = false
        var hasLower = false
        if ascii {
            for k in s..<e {
                var byte = bytes[k]
                if byte >= 0x41 && byte <= 0x5A {
                    hasUpper = true
                    byte |= 0x20
                } else if byte >= 0x61 && byte <= 0x7A {
                    hasLower = true
                }
                scratch.lower.append(byte)
            }
        } else {
            let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self)
            for scalar in token.unicodeScalars {
                let properties = scalar.properties
                if properties.isLowercase {
                    hasLower = true
                } else if properties.isUppercase {
                    hasUpper = true
                }
            }
            scratch.lower.append(contentsOf: token.lowercased().utf8)
        }
        let lowerEnd = scratch.lower.count
        scratch.lowerStart.append(Int32(lowerStart))
        scratch.lowerEnd.append(Int32(lowerEnd))
        scratch.upper.append(hasUpper && !hasLower)
        scratch.lower.withUnsafeBufferPointer { all in
            let token = UnsafeBufferPointer(rebasing: all[lowerStart..<lowerEnd])
            scratch.valence.append(lexicon.valence(token) ?? .nan)
            scratch.booster.append(boosters.index(of: token).map { boosterValues[$0] } ?? 0)
            scratch.word.append(namedWords.index(of: token).map { namedWordCodes[$0] } ?? .other)
            var negated = negations.index(of: token) != nil
            if !negated, token.count >= 3 {
                // "n't" anywhere in the word negates it, as in "shouldn't've".
                for k in 0..<(token.count - 2) where token[k] == 0x6E && token[k + 1] == 0x27 && token[k + 2] == 0x74 {
                    negated = true
                    break
                }
            }
            scratch.negation.append(negated)
        }
    }

    // MARK: - Rules

    private func valence(
        at i: Int, count: Int, capitalDifferential: Bool, _ scratch: inout SentimentScratch
    ) -> Double {
        if scratch.booster[i] != 0 { return 0 }
        if i < count - 1, scratch.word[i] == .kind, scratch.word[i + 1] == .of { return 0 }
        let base = scratch.valence[i]
        if base.isNaN { return 0 }
        let word = scratch.word
        var v = base
        if word[i] == .no, i != count - 1, !scratch.valence[i + 1].isNaN { v = 0 }
        if (i > 0 && word[i - 1] == .no) || (i > 1 && word[i - 2] == .no)
            || (i > 2 && word[i - 3] == .no && (word[i - 1] == .or || word[i - 1] == .nor))
        {
            v = base * SentimentRules.negationScalar
        }
        if scratch.upper[i] && capitalDifferential {
            v += v > 0 ? SentimentRules.capitalIncrement : -SentimentRules.capitalIncrement
        }
        for distance in 0..<3 where i > distance {
            let j = i - (distance + 1)
            guard scratch.valence[j].isNaN else { continue }
            var scalar = scratch.booster[j]
            if scalar != 0 {
                if v < 0 { scalar = -scalar }
                if scratch.upper[j] && capitalDifferential {
                    scalar += v > 0 ? SentimentRules.capitalIncrement : -SentimentRules.capitalIncrement
                }
                if distance == 1 { scalar *= 0.95 }
                if distance == 2 { scalar *= 0.9 }
            }
            v += scalar
            v = negationCheck(v, distance: distance, i, scratch)
            if distance == 2 { v = phraseCheck(v, i, count: count, &scratch) }
        }
        // "least" negates, except in "at least" and "very least".
        if i > 0, word[i - 1] == .least, scratch.valence[i - 1].isNaN {
            if i == 1 || (word[i - 2] != .at && word[i - 2] != .very) { v *= SentimentRules.negationScalar }
        }
        return v
    }

    private func negationCheck(_ valence: Double, distance: Int, _ i: Int, _ scratch: SentimentScratch) -> Double {
        let word = scratch.word
        func soOrThis(_ k: Int) -> Bool { word[k] == .so || word[k] == .this }
        switch distance {
        case 0:
            return scratch.negation[i - 1] ? valence * SentimentRules.negationScalar : valence
        case 1:
            if word[i - 2] == .never && soOrThis(i - 1) { return valence * 1.25 }
            if word[i - 2] == .without && word[i - 1] == .doubt { return valence }
            return scratch.negation[i - 2] ? valence * SentimentRules.negationScalar : valence
        default:
            if (word[i - 3] == .never && soOrThis(i - 2)) || soOrThis(i - 1) { return valence * 1.25 }
            if word[i - 3] == .without && (word[i - 2] == .doubt || word[i - 1] == .doubt) { return valence }
            return scratch.negation[i - 3] ? valence * SentimentRules.negationScalar : valence
        }
    }

    /// Special phrases around the word replace its valence; dampening phrases before it
    /// ("kind of") adjust it.
    private func phraseCheck(_ valence: Double, _ i: Int, count: Int, _ scratch: inout SentimentScratch) -> Double {
        var v = valence
        for (from, to) in [(i - 1, i), (i - 2, i), (i - 2, i - 1), (i - 3, i - 1), (i - 3, i - 2)] {
            if let found = lookup(specialCases, from: from, to: to, &scratch) {
                v = specialCaseValues[found]
                break
            }
        }
        if count - 1 > i, let found = lookup(specialCases, from: i, to: i + 1, &scratch) {
            v = specialCaseValues[found]
        }
        if count - 1 > i + 1, let found = lookup(specialCases, from: i, to: i + 2, &scratch) {
            v = specialCaseValues[found]
        }
        for (from, to) in [(i - 3, i - 1), (i - 3, i - 2), (i - 2, i - 1)] {
            if let found = lookup(phraseBoosters, from: from, to: to, &scratch) { v += phraseBoosterValues[found] }
        }
        return v
    }

    /// Looks up the lower-case tokens `from...to` joined by single spaces.
    private func lookup(_ table: ByteStringTable, from: Int, to: Int, _ scratch: inout SentimentScratch) -> Int? {
        scratch.key.removeAll(keepingCapacity: true)
        for k in from...to {
            if k > from { scratch.key.append(0x20) }
            scratch.key.append(contentsOf: scratch.lower[Int(scratch.lowerStart[k])..<Int(scratch.lowerEnd[k])])
        }
        return scratch.key.withUnsafeBufferPointer { table.index(of: $0) }
    }

    // MARK: - Combining

    static func combine(_ sentiments: [Double], text: [UInt8]) -> SentimentScore {
        var exclamations = 0
        var questions = 0
        for byte in text {
            if byte == 0x21 { exclamations += 1 } else if byte == 0x3F { questions += 1 }
        }
        var emphasis = Double(min(exclamations, 4)) * 0.292
        if questions > 1 { emphasis += questions <= 3 ? Double(questions) * 0.18 : 0.96 }
        var sum = 0.0
        var positive = 0.0
        var negative = 0.0
        var neutral = 0.0
        for s in sentiments {
            sum += s
            if s > 0 {
                positive += s + 1
            } else if s < 0 {
                negative += s - 1
            } else {
                neutral += 1
            }
        }
        if sum > 0 { sum += emphasis } else if sum < 0 { sum -= emphasis }
        let compound = max(-1, min(1, sum / (sum * sum + SentimentRules.normalisationAlpha).squareRoot()))
        if positive > -negative { positive += emphasis } else if positive < -negative { negative -= emphasis }
        let total = positive - negative + neutral
        return SentimentScore(
            compound: compound, positive: abs(positive / total), negative: abs(negative / total),
            neutral: abs(neutral / total))
    }
}
