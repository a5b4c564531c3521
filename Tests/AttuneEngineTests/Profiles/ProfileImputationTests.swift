import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct ProfileImputationTests {
    /// The two-community store with ages and a label declared by all but the first five users of
    /// each community: community a is young and "x", community b older and "y".
    static func declaringStore() async throws -> SQLiteStore {
        let store = try await ModelTrainingTests.communityStore()
        var identifies: [Identify] = []
        for (community, age, label) in [("a", 24, "x"), ("b", 58, "y")] {
            for u in 5..<40 {
                identifies.append(Identify(
                    anonymousID: nil, userID: UserID(unchecked: "\(community)\(u)"),
                    traits: #"{"age": \#(age + u % 5), "segment_label": "\#(label)"}"#, timestamp: Fixtures.now))
            }
        }
        try await store.record(identifies, in: .default)
        return store
    }

    @Test func missingAttributesAreEstimatedFromSimilarBehaviour() async throws {
        let store = try await Self.declaringStore()
        let report = try await ProfileImputation(store: store, clock: FixedClock())
            .run(workspace: .default, attributes: ["age", "segment_label"], k: 10)
        #expect(report.users == 80)
        #expect(report.attributes.map(\.declared) == [70, 70])
        #expect(report.attributes.map(\.imputed) == [10, 10])
        for u in 0..<5 {
            let young = try await store.imputations(of: UserID(unchecked: "a\(u)"), in: .default)
            let old = try await store.imputations(of: UserID(unchecked: "b\(u)"), in: .default)
            #expect(young.map(\.attribute) == ["age", "segment_label"])
            let youngAge = try #require(Double(young[0].value))
            let oldAge = try #require(Double(old[0].value))
            #expect((22...30).contains(youngAge), "a\(u): \(youngAge)")
            #expect((56...64).contains(oldAge), "b\(u): \(oldAge)")
            #expect(young[1].value == #""x""#)
            #expect(old[1].value == #""y""#)
            #expect(young.allSatisfy { (0...1).contains($0.confidence) })
        }
        // Declared values are never overwritten or shadowed by an estimate.
        #expect(try await store.imputations(of: UserID(unchecked: "a7"), in: .default).isEmpty)
        #expect(try await store.traits(of: UserID(unchecked: "a7"), in: .default)?.contains(#""age":26"#) == true)
    }

    @Test func aNewRunReplacesThePreviousEstimates() async throws {
        let store = try await Self.declaringStore()
        let imputation = ProfileImputation(store: store, clock: FixedClock())
        _ = try await imputation.run(workspace: .default, attributes: ["age"], k: 5)
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: "a0"), traits: #"{"age": 33}"#, timestamp: Fixtures.now), in: .default)
        let second = try await imputation.run(workspace: .default, attributes: ["age"], k: 5)
        #expect(second.attributes[0].imputed == 9)
        #expect(try await store.imputations(of: UserID(unchecked: "a0"), in: .default).isEmpty)
    }

    @Test(arguments: [
        (["shoe_size"], 10, "attributes"),
        (["age"], 0, "k"),
        (["age"], -2, "k"),
        (["email"], 10, "attributes"),
        (["age", "age"], 10, "attributes"),
        ([String](), 10, "attributes"),
    ])
    func badInputIsRefusedAndNothingIsWritten(attributes: [String], k: Int, field: String) async throws {
        let store = try await Self.declaringStore()
        let error = await #expect(throws: AttuneError.self) {
            try await ProfileImputation(store: store, clock: FixedClock()).run(workspace: .default, attributes: attributes, k: k)
        }
        #expect(error?.field == field)
        #expect(try await store.imputations(of: UserID(unchecked: "a0"), in: .default).isEmpty)
    }

    @Test func theUsersExportHoldsTheirEstimates() async throws {
        let store = try await Self.declaringStore()
        _ = try await ProfileImputation(store: store, clock: FixedClock()).run(workspace: .default, attributes: ["age"], k: 5)
        let exporter = UserExport(store: store, clock: FixedClock()) { _ in nil }
        let summary = try #require(try await exporter.begin(UserID(unchecked: "b1"), in: .default, actor: "key_test"))
        var text = ""
        try await exporter.write(summary) { text += $0 }
        let document = try JSONParser().parse(text)
        guard case .number(let age)? = document["imputed"]?["age"]?["value"] else {
            Issue.record("no imputed age in the export")
            return
        }
        #expect((56...64).contains(age))
    }

    @Test func erasureRemovesTheEstimates() async throws {
        let store = try await Self.declaringStore()
        _ = try await ProfileImputation(store: store, clock: FixedClock()).run(workspace: .default, attributes: ["age"], k: 5)
        let user = UserID(unchecked: "b1")
        #expect(try await !store.imputations(of: user, in: .default).isEmpty)
        #expect(try await store.erasePerson(user, digest: { _ in [1, 2, 3] }, in: .default, at: Fixtures.now) != nil)
        #expect(try await store.imputations(of: user, in: .default).isEmpty)
    }
}
