import Testing
@testable import AttuneML

struct VocabularyTests {
    @Test func assignsDenseIndicesInInsertionOrder() {
        var v = Vocabulary<String>()
        #expect(v.insert("b") == 0)
        #expect(v.insert("a") == 1)
        #expect(v.insert("b") == 0)
        #expect(v.count == 2)
        #expect(v.keys == ["b", "a"])
    }

    @Test func mapsBothWays() {
        let v = Vocabulary([10, 20, 30])
        #expect(v.index(of: 20) == 1)
        #expect(v.key(at: 2) == 30)
    }

    @Test func unknownKeysAndIndicesGiveNil() {
        let v = Vocabulary([10, 20])
        #expect(v.index(of: 99) == nil)
        #expect(v.key(at: 2) == nil)
        #expect(v.key(at: -1) == nil)
    }

    @Test func skipsRepeatedKeysWhenBuiltFromASequence() {
        let v = Vocabulary([3, 1, 3, 2, 1])
        #expect(v.keys == [3, 1, 2])
    }
}
