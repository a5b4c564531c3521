import AttuneCore
import AttuneEngine
import Hummingbird
import NIOCore

/// The body of a recommendation list written straight into one string, for the two endpoints
/// that answer one list per request (`GET /v1/users/{id}/recommendations`, `GET
/// /v1/items/{id}/similar`): the same text `RecommendationsController.json(...).serialized()`
/// gives, without building the `JSONValue` tree of a dozen objects first on the busiest route.
enum RecommendationBody {
    static func text(
        _ list: RecommendationList, subject: (String, String), recommendationId: String, assignment: ExperimentAssignment? = nil
    ) -> String {
        var out = ""
        out.reserveCapacity(160 + 120 * list.items.count)
        out += "{"
        JSONValue.writeString(subject.0, into: &out)
        out += ":"
        JSONValue.writeString(subject.1, into: &out)
        out += ",\"recommendationId\":"
        JSONValue.writeString(recommendationId, into: &out)
        out += ",\"strategy\":"
        JSONValue.writeString(list.strategy, into: &out)
        out += ",\"modelVersion\":"
        out += list.modelVersion.map { JSONValue.format(Double($0)) } ?? "null"
        out += ",\"items\":["
        for (index, item) in list.items.enumerated() {
            if index > 0 { out += "," }
            out += "{\"itemId\":"
            JSONValue.writeString(item.item.rawValue, into: &out)
            out += ",\"score\":"
            out += JSONValue.format(item.score)
            out += ",\"reason\":"
            JSONValue.writeString(item.reason, into: &out)
            out += item.exploration ? ",\"exploration\":true}" : "}"
        }
        out += "]"
        if let assignment {
            out += ",\"experiment\":{\"key\":"
            JSONValue.writeString(assignment.experiment.rawValue, into: &out)
            out += ",\"variant\":"
            if let variant = assignment.variantKey { JSONValue.writeString(variant, into: &out) } else { out += "null" }
            out += assignment.enrolled ? ",\"inExperiment\":true}" : ",\"inExperiment\":false}"
        }
        out += "}"
        return out
    }

    static func response(
        _ list: RecommendationList, subject: (String, String), recommendationId: String, assignment: ExperimentAssignment? = nil
    ) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text(list, subject: subject, recommendationId: recommendationId, assignment: assignment))))
    }
}
