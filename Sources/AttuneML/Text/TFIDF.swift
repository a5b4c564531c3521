import RealModule

/// Turns item text into TF-IDF vectors: one L2-normalised sparse row per item.
///
/// The weight of term `t` in item `d` is `tf(t, d) · idf(t)` (Salton & Buckley, "Term-weighting
/// approaches in automatic text retrieval", Information Processing & Management 24(5), 1988):
/// - `tf` is sublinear, `1 + ln(count)` (Manning, Raghavan, Schütze, *Introduction to Information
///   Retrieval*, 2008, §6.4.1), so a word repeated ten times weighs about three times one mention,
///   not ten. Each field contributes its own `tf` times its field weight, which lets titles or
///   categories count more than descriptions.
/// - `idf` is smooth, `ln((1 + n) / (1 + df)) + 1`, as if one extra document held every term:
///   no division by zero and no term with zero weight (the scikit-learn convention, so figures
///   compare with the peer baselines).
/// Rows are then scaled to unit length, so a dot product of two rows is their cosine.
/// The vocabulary is the sorted list of kept terms, so a fit is reproducible on any machine.
package struct TFIDFVectorizer: Sendable, Equatable {
    /// Hyper-parameters, saved with the vectoriser.
    package struct Configuration: Sendable, Equatable {
        /// How title and description are cut into words.
        package var tokenizer: Tokenizer.Configuration
        /// Terms found in fewer items are dropped (typos, ids); at least 1.
        package var minimumDocumentFrequency: Int
        /// Terms found in a larger share of items are dropped (they separate nothing); in (0, 1].
        package var maximumDocumentShare: Double
        /// `1 + ln(count)` when true, the raw count when false.
        package var sublinearTermFrequency: Bool
        /// Smooth idf `ln((1 + n) / (1 + df)) + 1` when true, `ln(n / df) + 1` when false.
        package var smoothInverseDocumentFrequency: Bool
        /// Multipliers of each field's term frequencies (>= 0; 0 ignores the field).
        package var titleWeight: Float
        package var descriptionWeight: Float
        package var categoryWeight: Float
        package var tagWeight: Float

        package init(
            tokenizer: Tokenizer.Configuration = .init(), minimumDocumentFrequency: Int = 1,
            maximumDocumentShare: Double = 1, sublinearTermFrequency: Bool = true,
            smoothInverseDocumentFrequency: Bool = true, titleWeight: Float = 1, descriptionWeight: Float = 1,
            categoryWeight: Float = 1, tagWeight: Float = 1
        ) {
            self.tokenizer = tokenizer
            self.minimumDocumentFrequency = minimumDocumentFrequency
            self.maximumDocumentShare = maximumDocumentShare
            self.sublinearTermFrequency = sublinearTermFrequency
            self.smoothInverseDocumentFrequency = smoothInverseDocumentFrequency
            self.titleWeight = titleWeight
            self.descriptionWeight = descriptionWeight
            self.categoryWeight = categoryWeight
            self.tagWeight = tagWeight
        }

        /// - Throws: `AttuneMLError.invalidArgument` naming the first bad field.
        package func validate() throws {
            guard tokenizer.minimumLength >= 1 else {
                throw AttuneMLError.invalidArgument("tokenizer minimumLength must be at least 1")
            }
            guard minimumDocumentFrequency >= 1 else {
                throw AttuneMLError.invalidArgument("minimumDocumentFrequency must be at least 1")
            }
            guard maximumDocumentShare > 0, maximumDocumentShare <= 1 else {
                throw AttuneMLError.invalidArgument("maximumDocumentShare must be in (0, 1]")
            }
            for w in [titleWeight, descriptionWeight, categoryWeight, tagWeight] where !(w >= 0 && w.isFinite) {
                throw AttuneMLError.invalidArgument("field weights must be finite and non-negative")
            }
        }
    }

    package let configuration: Configuration
    /// The kept terms in ascending order; term `k` is column `k` of ``transform(_:)``.
    package let terms: [String]
    /// `idf` of each term, aligned with ``terms``.
    package let inverseDocumentFrequency: [Float]
    private let columnOfTerm: [String: Int32]

    /// Prefix of category features.
    package static let categoryPrefix = "cat:"
    /// Prefix of tag features.
    package static let tagPrefix = "tag:"

    /// Assembles a vectoriser from a vocabulary and its idf weights.
    /// - Throws: `AttuneMLError.dimensionMismatch` when the arrays differ in length,
    ///   `AttuneMLError.invalidArgument` when terms are not strictly ascending or the configuration is bad.
    package init(configuration: Configuration, terms: [String], inverseDocumentFrequency: [Float]) throws {
        try configuration.validate()
        guard terms.count == inverseDocumentFrequency.count else {
            throw AttuneMLError.dimensionMismatch("\(terms.count) terms, \(inverseDocumentFrequency.count) idf weights")
        }
        guard zip(terms, terms.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw AttuneMLError.invalidArgument("terms must be strictly ascending")
        }
        self.configuration = configuration
        self.terms = terms
        self.inverseDocumentFrequency = inverseDocumentFrequency
        var index: [String: Int32] = [:]
        index.reserveCapacity(terms.count)
        for (k, t) in terms.enumerated() { index[t] = Int32(k) }
        columnOfTerm = index
    }

    /// Learns the vocabulary and idf weights from a catalogue.
    ///
    /// - Parameters:
    ///   - documents: one per item; an empty catalogue gives an empty vocabulary.
    ///   - configuration: see ``Configuration``.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration.
    /// - Complexity: O(total characters + V log V), V the number of distinct terms.
    package static func fit(documents: [ItemText], configuration: Configuration = .init()) throws -> TFIDFVectorizer {
        try configuration.validate()
        let tokenizer = Tokenizer(configuration: configuration.tokenizer)
        var documentFrequency: [String: Int] = [:]
        for d in documents {
            for term in termFrequencies(of: d, tokenizer: tokenizer, configuration: configuration).keys {
                documentFrequency[term, default: 0] += 1
            }
        }
        let n = documents.count
        let maxDF = configuration.maximumDocumentShare * Double(n)
        let kept =
            documentFrequency
            .filter { $0.value >= configuration.minimumDocumentFrequency && Double($0.value) <= maxDF }
            .keys.sorted()
        let idf = kept.map { term -> Float in
            let df = Double(documentFrequency[term]!)
            let ratio = configuration.smoothInverseDocumentFrequency ? (1 + Double(n)) / (1 + df) : Double(n) / df
            return Float(Double.log(ratio) + 1)
        }
        return try TFIDFVectorizer(configuration: configuration, terms: kept, inverseDocumentFrequency: idf)
    }

    /// Fits on `documents` and returns the vectoriser with their vectors.
    /// - Throws: as ``fit(documents:configuration:)``.
    package static func fitTransform(
        documents: [ItemText], configuration: Configuration = .init()
    ) throws -> (vectorizer: TFIDFVectorizer, features: SparseMatrix) {
        let v = try fit(documents: documents, configuration: configuration)
        return (v, v.transform(documents))
    }

    /// The number of columns of ``transform(_:)``.
    package var termCount: Int { terms.count }

    /// One L2-normalised TF-IDF row per document (`documents.count x termCount`).
    ///
    /// Terms outside the vocabulary are ignored, so items added after fitting can be vectorised
    /// with the old vocabulary; an item without any known term gets an empty (zero) row.
    /// - Complexity: O(total characters + Σ_d t_d log t_d), t_d the distinct terms of item `d`.
    package func transform(_ documents: [ItemText]) -> SparseMatrix {
        let tokenizer = Tokenizer(configuration: configuration.tokenizer)
        var offsets = [Int](repeating: 0, count: documents.count + 1)
        var columns: [Int32] = []
        var values: [Float] = []
        var row: [(Int32, Float)] = []
        for (d, document) in documents.enumerated() {
            row.removeAll(keepingCapacity: true)
            for (term, tf) in Self.termFrequencies(of: document, tokenizer: tokenizer, configuration: configuration) {
                guard tf > 0, let c = columnOfTerm[term] else { continue }
                row.append((c, tf * inverseDocumentFrequency[Int(c)]))
            }
            // Sorting first fixes the summation order of the norm, whatever the dictionary order.
            row.sort { $0.0 < $1.0 }
            var squares: Double = 0
            for (_, v) in row { squares += Double(v) * Double(v) }
            let scale = squares > 0 ? Float(1 / squares.squareRoot()) : 0
            for (c, v) in row {
                columns.append(c)
                values.append(v * scale)
            }
            offsets[d + 1] = columns.count
        }
        return SparseMatrix(
            rowCount: documents.count, columnCount: terms.count, rowOffsets: offsets,
            columnIndices: columns, values: values)
    }

    /// The weighted term frequency of every feature of one item, before idf.
    static func termFrequencies(
        of document: ItemText, tokenizer: Tokenizer, configuration: Configuration
    ) -> [String: Float] {
        var tf: [String: Float] = [:]
        func add(_ tokens: [String], weight: Float) {
            guard weight > 0, !tokens.isEmpty else { return }
            var counts: [String: Int] = [:]
            for t in tokens { counts[t, default: 0] += 1 }
            for (t, c) in counts {
                let f = configuration.sublinearTermFrequency ? 1 + Float.log(Float(c)) : Float(c)
                tf[t, default: 0] += weight * f
            }
        }
        add(tokenizer.tokens(in: document.title), weight: configuration.titleWeight)
        add(tokenizer.tokens(in: document.description), weight: configuration.descriptionWeight)
        add(
            document.categories.compactMap { ItemText.labelFeature($0, prefix: categoryPrefix) },
            weight: configuration.categoryWeight)
        add(document.tags.compactMap { ItemText.labelFeature($0, prefix: tagPrefix) }, weight: configuration.tagWeight)
        return tf
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.configuration == rhs.configuration && lhs.terms == rhs.terms
            && lhs.inverseDocumentFrequency == rhs.inverseDocumentFrequency
    }

    // MARK: Persistence

    private static let tag = "TFID"

    /// A compact little-endian blob; see ``BinaryWriter``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        let c = configuration
        w.write(Int64(c.tokenizer.minimumLength))
        w.write(strings: c.tokenizer.stopWords.sorted())
        w.write(Int64(c.minimumDocumentFrequency))
        w.write(c.maximumDocumentShare)
        w.write(UInt8(c.sublinearTermFrequency ? 1 : 0))
        w.write(UInt8(c.smoothInverseDocumentFrequency ? 1 : 0))
        w.write([c.titleWeight, c.descriptionWeight, c.categoryWeight, c.tagWeight])
        w.write(strings: terms)
        w.write(inverseDocumentFrequency)
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
        let minimumLength = Int(try r.read(Int64.self))
        let stopWords = Set(try r.readStrings())
        let minDF = Int(try r.read(Int64.self))
        let maxShare = try r.readDouble()
        let sublinear = try r.read(UInt8.self) != 0
        let smooth = try r.read(UInt8.self) != 0
        let weights = try r.readFloats()
        let terms = try r.readStrings()
        let idf = try r.readFloats()
        try r.expectEnd()
        guard weights.count == 4 else { throw AttuneMLError.corruptData("expected four field weights") }
        let c = Configuration(
            tokenizer: .init(minimumLength: minimumLength, stopWords: stopWords), minimumDocumentFrequency: minDF,
            maximumDocumentShare: maxShare, sublinearTermFrequency: sublinear, smoothInverseDocumentFrequency: smooth,
            titleWeight: weights[0], descriptionWeight: weights[1], categoryWeight: weights[2], tagWeight: weights[3])
        do {
            try self.init(configuration: c, terms: terms, inverseDocumentFrequency: idf)
        } catch {
            throw AttuneMLError.corruptData("stored vocabulary or configuration is invalid")
        }
    }
}
