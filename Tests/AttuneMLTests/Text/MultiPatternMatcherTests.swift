import Testing

@testable import AttuneML

struct MultiPatternMatcherTests {
    static func found(_ matcher: MultiPatternMatcher, _ text: String) -> [(patterns: [Int], text: String)] {
        let bytes = Array(text.utf8)
        return matcher.matches(in: text).map { ($0.patterns, String(decoding: bytes[$0.range], as: UTF8.self)) }
    }

    @Test func toleratesCaseAndPunctuation() {
        let matcher = MultiPatternMatcher(patterns: ["Dr. Martens", "Levi's 501"])
        let found = Self.found(matcher, "Loved my DR MARTENS!! and the levi’s 501, less the dr-martens laces")
        #expect(found.map(\.patterns) == [[0], [1], [0]])
        #expect(found.map(\.text) == ["DR MARTENS", "levi’s 501", "dr-martens"])
    }

    @Test func wholeWordsOnly() {
        let matcher = MultiPatternMatcher(patterns: ["Air", "Max"])
        #expect(Self.found(matcher, "Airport maximum hair").isEmpty)
        #expect(Self.found(matcher, "air, max").map(\.patterns) == [[0], [1]])
    }

    @Test func leftmostLongestForOverlappingNames() {
        let matcher = MultiPatternMatcher(patterns: ["Air Max", "Air Max 90", "Max 90 Pro", "Nike"])
        let found = Self.found(matcher, "The nike air max 90 pro arrived")
        #expect(found.map(\.patterns) == [[3], [1]])
        #expect(found.map(\.text) == ["nike", "air max 90"])
        #expect(Self.found(matcher, "air max 9").map(\.patterns) == [[0]])
    }

    @Test func namesSharedByPatternsReportEveryPattern() {
        let matcher = MultiPatternMatcher(patterns: ["Acme", "ACME", "acme!", "..."])
        #expect(matcher.keyCount == 1)
        #expect(Self.found(matcher, "acme rocks").map(\.patterns) == [[0, 1, 2]])
    }

    @Test func unicodeScriptsEmojiAndCompatibilityForms() throws {
        let matcher = MultiPatternMatcher(patterns: ["Café Crème", "Москва", "東京タワー", "Pizza 🍕", "Straße", "ﬁne"])
        let found = Self.found(
            matcher, "CAFÉ CRÈME in МОСКВА, then 東京タワーに行った, a pizza🍕 on the STRASSE, ｆｉｎｅ")
        try #require(found.map(\.patterns) == [[0], [1], [2], [3], [4], [5]])
        #expect(found[2].text == "東京タワー")
        #expect(found[5].text == "ｆｉｎｅ")
    }

    @Test func foldingKeepsLettersAndCollapsesSeparators() {
        #expect(TextFolding.folded("  Hello,   WORLD!! ") == "hello world")
        #expect(TextFolding.folded("ÅNGSTRÖM—Test") == "ångström test")
        #expect(TextFolding.folded("❤️love") == "❤ love")
    }

    @Test func emptyAndPunctuationTextFindsNothing() {
        let matcher = MultiPatternMatcher(patterns: ["a"])
        #expect(matcher.matches(in: "").isEmpty)
        #expect(matcher.matches(in: "!!! ???").isEmpty)
        #expect(MultiPatternMatcher(patterns: []).matches(in: "anything").isEmpty)
    }

    @Test func failureLinksFindNamesInsideLongerPrefixes() {
        // "ab c" fails after "ab", and must then still find "b c" through the failure link.
        let matcher = MultiPatternMatcher(patterns: ["ab cd", "b c"])
        #expect(Self.found(matcher, "x ab ce").isEmpty)
        #expect(Self.found(matcher, "ab c").isEmpty)
        #expect(Self.found(matcher, "a b c").map(\.patterns) == [[1]])
    }
}
