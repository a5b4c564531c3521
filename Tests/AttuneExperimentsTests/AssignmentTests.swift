import AttuneExperiments
import Testing

/// Compatibility with GrowthBook's SDK specification (packages/sdk-js/test/cases.json).
struct AssignmentTests {
    @Test func fnv1aMatchesTheReferenceValues() {
        #expect(FNV1a.hash32("") == 0x811C_9DC5)
        #expect(FNV1a.hash32("a") == 0xE40C_292C)
        #expect(FNV1a.hash32("foobar") == 0xBF9C_F968)
        #expect(FNV1a.hash32(bytes: Array("foobar".utf8)) == 0xBF9C_F968)
    }

    @Test(arguments: [
        ("", "a", 1, 0.22), ("", "b", 1, 0.077), ("b", "a", 1, 0.946), ("ef", "d", 1, 0.652),
        ("asdf", "8952klfjas09ujk", 1, 0.549), ("", "123", 1, 0.011), ("", "___)((*\":&", 1, 0.563),
        ("seed", "a", 2, 0.0505), ("seed", "b", 2, 0.2696), ("foo", "ab", 2, 0.2575), ("foo", "def", 2, 0.2019),
        ("89123klj", "8952klfjas09ujkasdf", 2, 0.124), ("90850943850283058242805", "123", 2, 0.7516),
        ("()**(%$##$%#$#", "___)((*\":&", 2, 0.0128),
    ])
    func hashMatchesGrowthBookCases(seed: String, value: String, version: Int, expected: Double) throws {
        let hashVersion = try #require(HashVersion(rawValue: version))
        #expect(BucketHash.unit(seed: seed, value: value, version: hashVersion) == expected)
    }

    @Test func nonASCIIIdsHashLikeJavaScriptStrings() {
        // JavaScript SDKs hash UTF-16 code units (charCodeAt), including both halves of a surrogate pair.
        #expect(FNV1a.hash32("é") == 0x6C0B_6C44)
        #expect(FNV1a.hash32("user-😀") == 0x41A0_62B0)
        #expect(FNV1a.hash32("Zoë") == 0x7907_A397)
        #expect(BucketHash.unit(seed: "exp", value: "user-😀", version: .v2) == 0.5699)
        #expect(BucketHash.unit(seed: "exp", value: "Zoë", version: .v2) == 0.1884)
    }

    @Test func unsupportedHashVersionsAreNotRepresentable() {
        #expect(HashVersion(rawValue: 99) == nil)
    }

    @Test(
        arguments: [
            (2, 1.0, nil, [(0.0, 0.5), (0.5, 1.0)]),
            (2, 0.5, nil, [(0, 0.25), (0.5, 0.75)]),
            (2, 0, nil, [(0, 0), (0.5, 0.5)]),
            (4, 1, nil, [(0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1)]),
            (2, 1, [0.4, 0.6], [(0, 0.4), (0.4, 1)]),
            (3, 1, [0.2, 0.3, 0.5], [(0, 0.2), (0.2, 0.5), (0.5, 1)]),
            (3, 0.2, [0.2, 0.3, 0.5], [(0, 0.04), (0.2, 0.26), (0.5, 0.6)]),
            (2, -0.2, nil, [(0, 0), (0.5, 0.5)]),
            (2, 1.5, nil, [(0, 0.5), (0.5, 1)]),
            (2, 1, [0.4, 0.1], [(0, 0.5), (0.5, 1)]),
            (2, 1, [0.7, 0.6], [(0, 0.5), (0.5, 1)]),
            (4, 1, [0.4, 0.4, 0.2], [(0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1)]),
            (2, 1, [0.4, 0.5999], [(0, 0.4), (0.4, 0.9999)]),
        ] as [(Int, Double, [Double]?, [(Double, Double)])])
    func bucketRangesMatchGrowthBookCases(
        count: Int, coverage: Double, weights: [Double]?, expected: [(Double, Double)]
    ) {
        let ranges = BucketRange.ranges(variationCount: count, coverage: coverage, weights: weights)
        #expect(ranges.count == expected.count)
        for (range, (start, end)) in zip(ranges, expected) {
            #expect(abs(range.start - start) < 1e-9 && abs(range.end - end) < 1e-9)
        }
    }

    @Test(
        arguments: [
            (0.2, [(0.0, 0.5), (0.5, 1.0)], 0), (0.4, [(0, 0.5), (0.5, 1)], 0), (0.6, [(0, 0.5), (0.5, 1)], 1),
            (0.8, [(0, 0.5), (0.5, 1)], 1), (0, [(0, 0.5), (0.5, 1)], 0), (0.5, [(0, 0.5), (0.5, 1)], 1),
            (0.2, [(0, 0.25), (0.5, 0.75)], 0), (0.4, [(0, 0.25), (0.5, 0.75)], -1),
            (0.6, [(0, 0.25), (0.5, 0.75)], 1),
            (0.8, [(0, 0.25), (0.5, 0.75)], -1), (0.25, [(0, 0.25), (0.5, 0.75)], -1),
            (0.5, [(0, 0.25), (0.5, 0.75)], 1), (0.5, [(0, 0.5), (0.5, 0.5), (0.5, 1)], 2),
        ] as [(Double, [(Double, Double)], Int)])
    func chooseVariationMatchesGrowthBookCases(n: Double, ranges: [(Double, Double)], expected: Int) {
        let buckets = ranges.map { BucketRange(start: $0.0, end: $0.1) }
        #expect((BucketRange.chooseVariation(n, ranges: buckets) ?? -1) == expected)
    }

    @Test(
        arguments: [
            ("1", "namespace1", 0.0, 0.4, false), ("1", "namespace1", 0.4, 1, true),
            ("1", "namespace2", 0, 0.4, false), ("1", "namespace2", 0.4, 1, true),
            ("2", "namespace1", 0, 0.4, false), ("2", "namespace1", 0.4, 1, true),
            ("2", "namespace2", 0, 0.4, false), ("2", "namespace2", 0.4, 1, true),
            ("3", "namespace1", 0, 0.4, false), ("3", "namespace1", 0.4, 1, true),
            ("3", "namespace2", 0, 0.4, true), ("3", "namespace2", 0.4, 1, false),
            ("4", "namespace1", 0, 0.4, false), ("4", "namespace1", 0.4, 1, true),
            ("4", "namespace2", 0, 0.4, true), ("4", "namespace2", 0.4, 1, false),
        ] as [(String, String, Double, Double, Bool)])
    func inNamespaceMatchesGrowthBookCases(unit: String, namespace: String, start: Double, end: Double, expected: Bool)
    {
        #expect(Namespace(id: namespace, start: start, end: end).contains(unit) == expected)
    }

    @Test func allocationMatchesGrowthBookExperimentCases() throws {
        // "test name - my-test" and "my-test-3" under the version-1 hash, and the namespace pass/fail cases.
        let first = try ExperimentAllocation(seed: "my-test", variationCount: 2, hashVersion: .v1)
        #expect(first.assign(unitID: "1") == .variation(1))
        let third = try ExperimentAllocation(seed: "my-test-3", variationCount: 2, hashVersion: .v1)
        #expect(third.assign(unitID: "1") == .variation(0))
        #expect(first.assign(unitID: "") == .excluded(.missingUnitID))
        let inLayer = try ExperimentAllocation(
            seed: "my-test", variationCount: 2, namespace: Namespace(id: "namespace", start: 0.1, end: 1),
            hashVersion: .v1)
        #expect(inLayer.assign(unitID: "1") == .variation(1))
        let outOfLayer = try ExperimentAllocation(
            seed: "my-test", variationCount: 2, namespace: Namespace(id: "namespace", start: 0, end: 0.1),
            hashVersion: .v1)
        #expect(outOfLayer.assign(unitID: "1") == .excluded(.namespace))
        let tiny = try ExperimentAllocation(seed: "my-test", variationCount: 2, coverage: 0.01, hashVersion: .v1)
        #expect(tiny.assign(unitID: "1") == .excluded(.coverage))
    }

    @Test func mutuallyExclusiveExperimentsNeverShareAUnit() throws {
        let a = try ExperimentAllocation(
            seed: "exp-a", variationCount: 2, namespace: Namespace(id: "layer", start: 0, end: 0.5))
        let b = try ExperimentAllocation(
            seed: "exp-b", variationCount: 2, namespace: Namespace(id: "layer", start: 0.5, end: 1))
        var enrolledA = 0
        var enrolledB = 0
        for i in 0..<20_000 {
            let id = "user-\(i)"
            let inA = if case .variation = a.assign(unitID: id) { true } else { false }
            let inB = if case .variation = b.assign(unitID: id) { true } else { false }
            #expect(!(inA && inB))
            if inA { enrolledA += 1 }
            if inB { enrolledB += 1 }
        }
        #expect(enrolledA + enrolledB == 20_000)
        #expect(abs(Double(enrolledA) / 20_000 - 0.5) < 0.02)
    }

    @Test func globalHoldoutExcludesItsShareFromEveryExperiment() throws {
        let holdout = try GlobalHoldout(share: 0.05)
        let experiment = try ExperimentAllocation(seed: "exp", variationCount: 3)
        var held = 0
        for i in 0..<50_000 {
            let id = "u\(i)"
            let decision = experiment.assign(unitID: id, holdout: holdout)
            if holdout.contains(id) {
                held += 1
                #expect(decision == .excluded(.globalHoldout))
            } else {
                #expect(decision != .excluded(.globalHoldout))
            }
        }
        #expect(abs(Double(held) / 50_000 - 0.05) < 0.005)
    }

    @Test func raisingCoverageNeverMovesAnEnrolledUnit() throws {
        let narrow = try ExperimentAllocation(seed: "ramp", variationCount: 2, coverage: 0.2)
        let wide = try ExperimentAllocation(seed: "ramp", variationCount: 2, coverage: 0.8)
        for i in 0..<10_000 {
            let id = "id-\(i)"
            if case .variation(let v) = narrow.assign(unitID: id) { #expect(wide.assign(unitID: id) == .variation(v)) }
        }
    }

    @Test func invalidAllocationIsRejected() {
        #expect(throws: ExperimentError.self) { try ExperimentAllocation(seed: "x", variationCount: 0) }
        #expect(throws: ExperimentError.self) {
            try ExperimentAllocation(seed: "x", variationCount: 2, weights: [0.7, 0.6])
        }
        #expect(throws: ExperimentError.self) { try ExperimentAllocation(seed: "x", variationCount: 2, weights: [1]) }
        #expect(throws: ExperimentError.self) { try ExperimentAllocation(seed: "x", variationCount: 2, coverage: 1.5) }
        #expect(throws: ExperimentError.self) { try GlobalHoldout(share: -0.1) }
    }

    @Test func versionTwoHashIsUniformOverAMillionIDs() throws {
        let bins = 100
        var counts = [Int](repeating: 0, count: bins)
        for i in 0..<1_000_000 {
            let n = BucketHash.unit(seed: "uniformity-check", value: "user-\(i)", version: .v2)
            counts[min(bins - 1, Int(n * Double(bins)))] += 1
        }
        let result = try #require(
            try SampleRatioMismatch.check(counts: counts, expectedRatios: [Double](repeating: 1, count: bins)).value)
        print(
            "uniformity over 1,000,000 ids: chi2 \(result.chiSquare) on \(result.degreesOfFreedom) dof, p \(result.pValue)"
        )
        #expect(!result.isMismatch)
    }

    @Test func weightedSplitShowsNoSampleRatioMismatch() throws {
        let allocation = try ExperimentAllocation(seed: "weighted", variationCount: 3, weights: [0.5, 0.25, 0.25])
        var counts = [0, 0, 0]
        for i in 0..<200_000 {
            if case .variation(let v) = allocation.assign(unitID: "visitor-\(i)") { counts[v] += 1 }
        }
        let result = try #require(
            try SampleRatioMismatch.check(counts: counts, expectedRatios: [0.5, 0.25, 0.25]).value)
        #expect(!result.isMismatch)
    }
}
