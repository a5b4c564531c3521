import AttuneCore
import AttuneEngine
@testable import AttuneServer
import Testing

/// The recommendation body written directly is, byte for byte, the `JSONValue` document the
/// batch endpoint still builds: same members, order, escaping and number format.
struct RecommendationBodyTests {
    static let awkward = ["plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "\u{1}control\u{1F}", "émoji 🎧 ünïcode", ""]

    static func list(_ count: Int, version: Int?, exploring: Bool) -> RecommendationList {
        let scores: [Double] = [1, 0.8657830953598022, -0.25, 0, 3.0e-7, 12_345_678, -1e300]
        let items = (0..<count).map { index in
            Recommendation(
                item: ItemID(unchecked: awkward[index % awkward.count] + "\(index)"), score: scores[index % scores.count],
                reason: "similar to \(awkward[(index + 2) % awkward.count]) you interacted with",
                exploring: exploring && index % 3 == 1)
        }
        return RecommendationList(items: items, strategy: "als", version: version)
    }

    @Test(arguments: [0, 1, 10, 25])
    func theBodyIsTheDocumentTheTreeSerialises(count: Int) {
        let assignments: [ExperimentAssignment?] = [
            nil,
            ExperimentAssignment(experiment: ExperimentKey(unchecked: "exp-1"), variant: 1, variantKey: "b\"x", enrolled: true),
            ExperimentAssignment(experiment: ExperimentKey(unchecked: "exp-2"), variant: nil, variantKey: nil, enrolled: false),
        ]
        for version in [Optional(3), nil] {
            for exploring in [false, true] {
                for assignment in assignments {
                    for subject in [("userId", "u\"1\n"), ("itemId", "i-7")] {
                        let list = Self.list(count, version: version, exploring: exploring)
                        let id = "9f0c7f2e-0000-4000-8000-00000000000\(count % 10)"
                        let direct = RecommendationBody.text(list, subject: subject, recommendationId: id, assignment: assignment)
                        let tree = RecommendationsController.json(list, subject: subject, assignment: assignment, recommendationId: id)
                        #expect(direct == tree.serialized())
                        #expect((try? JSONParser().parse(direct)) != nil)
                    }
                }
            }
        }
    }
}
