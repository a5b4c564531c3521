import Foundation
import Testing

@testable import AttuneML

struct TFIDFTests {
    static func rowDictionary(_ m: SparseMatrix, _ r: Int, _ v: TFIDFVectorizer) -> [String: Float] {
        Dictionary(
            uniqueKeysWithValues: zip(m.columns(ofRow: r), m.values(ofRow: r)).map { (v.terms[Int($0.0)], $0.1) })
    }

    @Test func sublinearTermFrequencySmoothIDFAndUnitRows() throws {
        let docs = [
            ItemText(title: "apple banana"),
            ItemText(title: "apple apple cherry"),
            ItemText(categories: ["Fruit"]),
        ]
        let (v, m) = try TFIDFVectorizer.fitTransform(documents: docs)
        #expect(v.terms == ["apple", "banana", "cat:fruit", "cherry"])
        let idfApple = log(4.0 / 3) + 1
        let idfRare = log(2.0) + 1
        #expect(abs(Double(v.inverseDocumentFrequency[0]) - idfApple) < 1e-6)
        #expect(abs(Double(v.inverseDocumentFrequency[1]) - idfRare) < 1e-6)
        // Document 1: apple twice (tf 1 + ln 2), cherry once (tf 1).
        let a = (1 + log(2.0)) * idfApple
        let c = idfRare
        let norm = (a * a + c * c).squareRoot()
        let row = Self.rowDictionary(m, 1, v)
        #expect(abs(Double(row["apple"]!) - a / norm) < 1e-6)
        #expect(abs(Double(row["cherry"]!) - c / norm) < 1e-6)
        for r in 0..<3 {
            let s = m.values(ofRow: r).reduce(Float(0)) { $0 + $1 * $1 }
            #expect(abs(s - 1) < 1e-5)
        }
    }

    @Test func rawCountsAndPlainIDFWhenAskedFor() throws {
        let docs = [ItemText(title: "apple apple cherry"), ItemText(title: "banana")]
        let (v, m) = try TFIDFVectorizer.fitTransform(
            documents: docs, configuration: .init(sublinearTermFrequency: false, smoothInverseDocumentFrequency: false))
        let a = 2 * (log(2.0) + 1)
        let c = log(2.0) + 1
        let row = Self.rowDictionary(m, 0, v)
        #expect(abs(Double(row["apple"]!) - a / (a * a + c * c).squareRoot()) < 1e-6)
    }

    @Test func categoriesAndTagsAreWholePrefixedFeatures() throws {
        let docs = [
            ItemText(
                title: "Science", categories: ["Science Fiction", " science   FICTION "], tags: ["Science Fiction", ""]),
            ItemText(description: "fiction"),
        ]
        let v = try TFIDFVectorizer.fit(documents: docs)
        #expect(v.terms == ["cat:science fiction", "fiction", "science", "tag:science fiction"])
    }

    @Test func fieldWeightsScaleTheirTermFrequencies() throws {
        let docs = [ItemText(title: "alpha", categories: ["Beta"]), ItemText(title: "gamma")]
        let (v, m) = try TFIDFVectorizer.fitTransform(documents: docs, configuration: .init(categoryWeight: 3))
        let row = Self.rowDictionary(m, 0, v)
        #expect(abs(row["cat:beta"]! / row["alpha"]! - 3) < 1e-5)
        let (v0, m0) = try TFIDFVectorizer.fitTransform(documents: docs, configuration: .init(categoryWeight: 0))
        #expect(!v0.terms.contains("cat:beta"))
        #expect(m0.nonZeroCount == 2)
    }

    @Test func emptyDocumentsGiveZeroRowsAndUnknownTermsAreIgnored() throws {
        let (v, m) = try TFIDFVectorizer.fitTransform(documents: [
            ItemText(title: "drama"), ItemText(), ItemText(title: "the"),
        ])
        #expect(m.rowCount == 3 && m.columns(ofRow: 1).isEmpty && m.columns(ofRow: 2).isEmpty)
        let later = v.transform([ItemText(title: "comedy drama"), ItemText(title: "comedy")])
        #expect(Array(later.columns(ofRow: 0)) == [0] && later.values(ofRow: 0).first == 1)
        #expect(later.columns(ofRow: 1).isEmpty)
        let none = try TFIDFVectorizer.fitTransform(documents: [])
        #expect(none.vectorizer.termCount == 0 && none.features.rowCount == 0)
    }

    @Test func documentFrequencyFiltersDropRareAndUbiquitousTerms() throws {
        let docs = ["red fox", "red dog", "red cat dog"].map { ItemText(title: $0) }
        let v = try TFIDFVectorizer.fit(
            documents: docs, configuration: .init(minimumDocumentFrequency: 2, maximumDocumentShare: 0.9))
        #expect(v.terms == ["dog"])
    }

    @Test func vocabularyIsSortedWhateverTheInputOrder() throws {
        let a = try TFIDFVectorizer.fit(documents: ["zeta alpha", "mid"].map { ItemText(title: $0) })
        let b = try TFIDFVectorizer.fit(documents: ["mid", "alpha zeta"].map { ItemText(title: $0) })
        #expect(a.terms == ["alpha", "mid", "zeta"] && a == b)
    }

    @Test func rejectsBadConfiguration() {
        let docs = [ItemText(title: "x")]
        for c in [
            TFIDFVectorizer.Configuration(minimumDocumentFrequency: 0),
            TFIDFVectorizer.Configuration(maximumDocumentShare: 0),
            TFIDFVectorizer.Configuration(maximumDocumentShare: 1.5),
            TFIDFVectorizer.Configuration(titleWeight: -1),
            TFIDFVectorizer.Configuration(tagWeight: .nan),
            TFIDFVectorizer.Configuration(tokenizer: .init(minimumLength: 0)),
        ] {
            #expect(throws: AttuneMLError.invalidArgument("")) {
                try TFIDFVectorizer.fit(documents: docs, configuration: c)
            }
        }
    }

    @Test func saveLoadRoundTripGivesIdenticalVectors() throws {
        let docs = [
            ItemText(title: "Amélie", description: "東京 love", categories: ["Comedy"], tags: ["paris"]),
            ItemText(title: "Love Actually", categories: ["Romance", "Comedy"]),
        ]
        let c = TFIDFVectorizer.Configuration(
            tokenizer: .init(minimumLength: 1, stopWords: ["actually"]), categoryWeight: 2)
        let v = try TFIDFVectorizer.fit(documents: docs, configuration: c)
        let loaded = try TFIDFVectorizer(serialized: v.serialized())
        #expect(loaded == v)
        #expect(loaded.transform(docs) == v.transform(docs))
        var bytes = v.serialized()
        bytes.removeLast()
        #expect(throws: AttuneMLError.corruptData("")) { try TFIDFVectorizer(serialized: bytes) }
    }
}
