import AttuneCore
import Testing

/// The bound the serving caches share: replacing an entry reweighs it, an insert past the bound
/// starts over, and a value heavier than the bound is never kept.
struct WeighedEntriesTests {
    static func weigh(_ key: String, _ value: Int) -> Int { value }

    @Test func insertsReplaceStartOverAndRefuseTheTooHeavy() {
        var entries = WeighedEntries<String, Int>(capacity: 10)
        entries.insert(4, for: "a", weighing: Self.weigh)
        entries.insert(3, for: "b", weighing: Self.weigh)
        #expect(entries.count == 2 && entries.weight == 7)
        entries.insert(5, for: "a", weighing: Self.weigh)
        #expect(entries["a"] == 5 && entries.weight == 8, "the replaced entry's weight is taken off")
        entries.insert(3, for: "c", weighing: Self.weigh)
        #expect(entries.count == 1 && entries["c"] == 3 && entries.weight == 3, "past the bound: started over")
        entries.insert(11, for: "d", weighing: Self.weigh)
        #expect(entries["d"] == nil && entries["c"] == 3 && entries.weight == 3, "heavier than the bound: not kept")
        entries.removeAll(keepingCapacity: true)
        #expect(entries.count == 0 && entries.weight == 0)
    }
}
