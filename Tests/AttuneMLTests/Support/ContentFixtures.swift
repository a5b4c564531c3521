@testable import AttuneML

/// Fixtures for the content, sequence and hybrid models, built on ``Fixtures/twoCommunities(half:perUser:)``.
extension Fixtures {
    /// The rows of the two-community matrix as chronological sequences (in the fixture's own
    /// order, so not sorted by index).
    static func twoCommunitySequences(half: Int = 10, perUser: Int = 6) -> [[Int32]] {
        (0..<(2 * half)).map { u in
            let base = u < half ? 0 : half
            return (0..<perUser).map { k in Int32(base + (u % half + k * 3) % half) }
        }
    }

    /// Item texts whose category is the item's community, plus one word private to the item.
    static func twoCommunityTexts(half: Int = 10) -> [ItemText] {
        (0..<(2 * half)).map { i in
            ItemText(title: "item\(i)", categories: [community(i, half: half) == 0 ? "Westerns" : "Musicals"])
        }
    }

    /// Dense item embeddings pointing along one axis per community, with a little per-item noise.
    static func twoCommunityEmbeddings(half: Int = 10) -> DenseMatrix {
        let noise = randomFloats(2 * half * 3, seed: 9)
        var values: [Float] = []
        for i in 0..<(2 * half) {
            let c = community(i, half: half)
            values += [c == 0 ? 1 : 0, c == 1 ? 1 : 0, 0].enumerated().map {
                $0.element + 0.05 * noise[i * 3 + $0.offset]
            }
        }
        return try! DenseMatrix(rowCount: 2 * half, columnCount: 3, values: values)
    }
}

/// A deliberately bad model: scores items of the other community highest.
struct CrossCommunityModel: Recommender {
    var itemCount: Int { 20 }
    func score(
        user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        let own = (user ?? 0) < 10 ? 0 : 1
        for i in 0..<20 { scores[i] = Fixtures.community(i) == own ? 0 : 1 + Float(i) * 0.01 }
    }
}
