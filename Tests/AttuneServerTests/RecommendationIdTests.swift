import Foundation
import Testing

@testable import AttuneServer

struct RecommendationIdTests {
    /// Ids go back to the server on clicks (`properties.recommendationId`) and are joined there,
    /// so they keep the lowercase UUID form clients have been given all along.
    @Test func idsAreDistinctLowercaseVersion4UUIDs() {
        let ids = (0..<2_000).map { _ in RecommendationsController.newRecommendationId() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let utf8 = Array(id.utf8)
            #expect(utf8.count == 36)
            #expect(id == id.lowercased())
            #expect(UUID(uuidString: id) != nil)
            #expect(utf8[14] == UInt8(ascii: "4"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(utf8[19]))
        }
    }
}
