import Testing

@testable import AttuneML

struct ClusterNamingTests {
    /// Segment 0 browses a lot and buys nothing; segment 1 browses little and buys; segment 2 does
    /// neither. Age does not differ.
    static func shoppers() -> (DenseMatrix, [Int32]) {
        var rows: [[Float]] = []
        var labels: [Int32] = []
        for i in 0..<200 {
            let age = Float(30 + i % 5)
            switch i % 4 {
            case 0:
                rows.append([20, 0, age])
                labels.append(0)
            case 1, 2:
                rows.append([5, 2, age])
                labels.append(1)
            default:
                rows.append([5, 0, age])
                labels.append(2)
            }
        }
        return (ClusteringFixtures.matrix(rows), labels)
    }

    static let descriptors = [
        FeatureDescriptor(name: "sessions", noun: "browsers", high: "frequent", low: "rare"),
        FeatureDescriptor(name: "purchases", noun: "buyers", high: "frequent", low: "rare"),
        FeatureDescriptor(name: "age", noun: "customers", high: "older", low: "younger"),
    ]

    @Test func namesTheSegmentByItsStrongestTraits() throws {
        let (points, labels) = Self.shoppers()
        let name = try ClusterNaming.name(cluster: 0, labels: labels, points: points, descriptors: Self.descriptors)
        #expect(name == "frequent browsers, rare buyers")
        let traits = try ClusterNaming.traits(cluster: 0, labels: labels, points: points)
        #expect(traits.map(\.feature) == [0, 1, 2])
        #expect(abs(traits[2].effect) < 0.1)
    }

    @Test func plainFeatureNamesWork() throws {
        let (points, labels) = Self.shoppers()
        let name = try ClusterNaming.name(
            cluster: 1, labels: labels, points: points, featureNames: ["sessions", "purchases", "age"])
        #expect(name == "high purchases, low sessions")
    }

    @Test func segmentWithoutStrongTraitsIsTypical() throws {
        let (points, labels) = Self.shoppers()
        let name = try ClusterNaming.name(
            cluster: 2, labels: labels, points: points, descriptors: Self.descriptors, minimumEffect: 5)
        #expect(name == "typical")
    }

    @Test func badInputsAreRejected() {
        let (points, labels) = Self.shoppers()
        #expect(throws: AttuneMLError.invalidArgument("")) {
            try ClusterNaming.name(cluster: 9, labels: labels, points: points, descriptors: Self.descriptors)
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try ClusterNaming.name(cluster: 0, labels: labels, points: points, descriptors: [])
        }
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try ClusterNaming.traits(cluster: 0, labels: [0], points: points)
        }
    }
}
