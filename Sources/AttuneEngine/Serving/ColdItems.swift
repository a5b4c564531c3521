/// Items added to the catalogue after the served model was trained, each with a vector in the
/// model's retrieval space (factors, plus a bias for BPR) borrowed from its content neighbours
/// (``ContentNeighbourhood``), so the factor path can serve them before any interaction.
///
/// Their dense labels continue the model's item indices: the j-th cold item is `firstLabel + j`.
/// Only appended to (a removed one is withdrawn by the serving model, not compacted), so labels
/// handed out stay valid for the life of the served version.
package struct ColdItems: Sendable {
    package let firstLabel: Int32
    package let dimension: Int
    /// How many leading values of a vector are factors (the rest a bias): what item similarity
    /// compares.
    package let factorDimension: Int
    package private(set) var keys: [String] = []
    private var labelOfKey: [String: Int32] = [:]
    /// Row-major, `count x dimension`.
    package private(set) var vectors: [Float] = []
    /// Each vector's factors scaled to unit length, row-major `count x factorDimension`: computed
    /// once here so that similar-items requests do not normalise every new item each time.
    package private(set) var units: [Float] = []
    /// The trained item each cold item is most similar to in content, for its reason.
    private var anchors: [Int32] = []
    /// A hash of the content each vector was borrowed from (``LiveCatalogue``), so that a change
    /// of the item's text is noticed; `nil` when unknown.
    private var contentHashes: [Int?] = []

    package init(firstLabel: Int32, dimension: Int, factorDimension: Int? = nil) {
        self.firstLabel = firstLabel
        self.dimension = dimension
        self.factorDimension = min(factorDimension ?? dimension, dimension)
    }

    package var count: Int { keys.count }
    package var isEmpty: Bool { keys.isEmpty }

    package func label(of key: String) -> Int32? { labelOfKey[key] }

    package func contains(_ label: Int32) -> Bool { label >= firstLabel && Int(label - firstLabel) < keys.count }

    package func key(at label: Int32) -> String? { contains(label) ? keys[Int(label - firstLabel)] : nil }

    package func anchor(of label: Int32) -> Int32? { contains(label) ? anchors[Int(label - firstLabel)] : nil }

    package func vector(of label: Int32) -> [Float]? {
        guard contains(label) else { return nil }
        let start = Int(label - firstLabel) * dimension
        return Array(vectors[start..<(start + dimension)])
    }

    /// The unit-length factors of `label`.
    package func unit(of label: Int32) -> [Float]? {
        guard contains(label) else { return nil }
        let start = Int(label - firstLabel) * factorDimension
        return Array(units[start..<(start + factorDimension)])
    }

    package func contentHash(of label: Int32) -> Int? { contains(label) ? contentHashes[Int(label - firstLabel)] : nil }

    /// Adds `key` with `vector` (of ``dimension`` values) and returns its label.
    mutating func append(key: String, vector: [Float], anchor: Int32, contentHash: Int? = nil) -> Int32 {
        precondition(vector.count == dimension && labelOfKey[key] == nil, "one vector of the model's dimension per new item")
        let label = firstLabel + Int32(keys.count)
        keys.append(key)
        labelOfKey[key] = label
        vectors.append(contentsOf: vector)
        units.append(contentsOf: ItemSimilarity.unit(Array(vector.prefix(factorDimension))))
        anchors.append(anchor)
        contentHashes.append(contentHash)
        return label
    }

    /// Gives `label` (a new item whose content changed) another vector; it keeps its label.
    mutating func replace(_ label: Int32, vector: [Float], anchor: Int32, contentHash: Int?) {
        precondition(contains(label) && vector.count == dimension, "one vector of the model's dimension per new item")
        let j = Int(label - firstLabel)
        vectors.replaceSubrange((j * dimension)..<((j + 1) * dimension), with: vector)
        units.replaceSubrange(
            (j * factorDimension)..<((j + 1) * factorDimension), with: ItemSimilarity.unit(Array(vector.prefix(factorDimension))))
        anchors[j] = anchor
        contentHashes[j] = contentHash
    }
}
