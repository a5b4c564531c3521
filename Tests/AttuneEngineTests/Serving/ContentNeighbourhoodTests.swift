import AttuneEngine
import AttuneML
import Testing

struct ContentNeighbourhoodTests {
    /// A batch shares one scores buffer: each item's neighbours are exactly those it has alone
    /// (nothing carried over from the item before it).
    @Test func aBatchFindsWhatEachItemFindsAlone() throws {
        let words = ["alpine hiking boots", "baking flour oven", "alpine trail map", "oven bread flour", "kayak river paddle"]
        let texts = words.map { ItemText(title: $0, description: "", categories: [], tags: []) }
        let neighbourhood = try #require(ContentNeighbourhood(texts: texts))
        let queries = ["alpine boots", "zzzz", "flour bread", "river", "alpine oven"].map {
            (text: ItemText(title: $0, description: "", categories: [], tags: []), embedding: [Float]?.none)
        }
        let batch = neighbourhood.neighbours(of: queries, k: 3)
        #expect(batch.count == queries.count)
        for (query, found) in zip(queries, batch) {
            let alone = neighbourhood.neighbours(of: query.text, k: 3)
            #expect(found.map(\.item) == alone.map(\.item) && found.map(\.similarity) == alone.map(\.similarity))
        }
        #expect(batch[1].isEmpty, "no known term, no neighbour")
        #expect(batch[0].first?.item == 0 && batch[2].first.map { [1, 3].contains($0.item) } == true)
    }
}
