import Testing

@testable import AttuneML

struct TokenizerTests {
    let tokenizer = Tokenizer()

    @Test func lowerCasesAndSplitsOnPunctuationAndSpaces() {
        #expect(
            tokenizer.tokens(in: "Hello, WORLD!  Blade-Runner 2049") == ["hello", "world", "blade", "runner", "2049"])
    }

    @Test func removesEnglishStopWordsAndShortTokens() {
        #expect(
            tokenizer.tokens(in: "The Lord of the Rings: It's a Wonderful Life") == [
                "lord", "rings", "wonderful", "life",
            ])
        let keepAll = Tokenizer(configuration: .init(minimumLength: 1, stopWords: []))
        #expect(keepAll.tokens(in: "The Lord of the Rings") == ["the", "lord", "of", "the", "rings"])
    }

    @Test func stopWordListIsLowerCaseAndKeepsContentWords() {
        #expect(StopWords.english.allSatisfy { $0 == $0.lowercased() })
        #expect(StopWords.english.isSuperset(of: ["the", "and", "of", "is", "don"]))
        #expect(StopWords.english.isDisjoint(with: ["love", "man", "new", "war", "star"]))
    }

    @Test func keepsAccentedLettersInsideWords() {
        #expect(tokenizer.tokens(in: "Amélie à Paris, ÇA VA? Straße") == ["amélie", "paris", "ça", "va", "straße"])
    }

    @Test func canonicallyEquivalentSpellingsGiveTheSameToken() {
        let precomposed = tokenizer.tokens(in: "Caf\u{E9} cr\u{E8}me")
        let decomposed = tokenizer.tokens(in: "Cafe\u{301} cre\u{300}me")
        #expect(precomposed == decomposed)
        #expect(Set(precomposed).count == 2 && Set(precomposed + decomposed).count == 2)
    }

    @Test func keepsNonLatinScripts() {
        #expect(tokenizer.tokens(in: "Москва — СТОЛИЦА") == ["москва", "столица"])
        #expect(tokenizer.tokens(in: "ΑΘΗΝΑ και Σπάρτη") == ["αθηνα", "και", "σπάρτη"])
        #expect(tokenizer.tokens(in: "서울 여행, 부산") == ["서울", "여행", "부산"])
        #expect(tokenizer.tokens(in: "مرحبا بالعالم") == ["مرحبا", "بالعالم"])
    }

    @Test func splitsHanAndKanaIntoSingleCharacters() {
        #expect(tokenizer.tokens(in: "東京は大きい") == ["東", "京", "は", "大", "き", "い"])
        #expect(tokenizer.tokens(in: "千と千尋の神隠し (2001)") == ["千", "と", "千", "尋", "の", "神", "隠", "し", "2001"])
        // Mixed with Latin words, and the kana middle dot is punctuation, not a token.
        #expect(tokenizer.tokens(in: "Pokémon映画・ポケモン") == ["pokémon", "映", "画", "ポ", "ケ", "モ", "ン"])
    }

    @Test func emojiAndSymbolsSeparateWordsAndAreDropped() {
        #expect(tokenizer.tokens(in: "pizza🍕party ❤️ 👩‍👩‍👧 family★time") == ["pizza", "party", "family", "time"])
    }

    @Test func emptyOrPunctuationOnlyTextGivesNoTokens() {
        #expect(tokenizer.tokens(in: "").isEmpty)
        #expect(tokenizer.tokens(in: " \n\t.,;!?…—").isEmpty)
        #expect(tokenizer.tokens(in: "🎬🍿").isEmpty)
    }
}
