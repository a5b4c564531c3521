import AttuneCore
import AttuneEngine
import Hummingbird
import NIOCore

/// The body of a recommendation list written straight into the response's buffer, for the two
/// endpoints that answer one list per request (`GET /v1/users/{id}/recommendations`, `GET
/// /v1/items/{id}/similar`): the same text `RecommendationsController.json(...).serialized()`
/// gives, without building the `JSONValue` tree of a dozen objects first on the busiest route, nor
/// a string to copy into the buffer afterwards.
enum RecommendationBody {
    static func text(
        _ list: RecommendationList, subject: (String, String), recommendationId: String, assignment: ExperimentAssignment? = nil
    ) -> String {
        String(buffer: buffer(list, subject: subject, recommendationId: recommendationId, assignment: assignment))
    }

    static func buffer(
        _ list: RecommendationList, subject: (String, String), recommendationId: String, assignment: ExperimentAssignment? = nil
    ) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: 192 + 160 * list.items.count)
        out.writeStaticString("{")
        writeString(subject.0, into: &out)
        out.writeStaticString(":")
        writeString(subject.1, into: &out)
        out.writeStaticString(",\"recommendationId\":")
        writeString(recommendationId, into: &out)
        out.writeStaticString(",\"strategy\":")
        writeString(list.strategy, into: &out)
        out.writeStaticString(",\"modelVersion\":")
        if let version = list.modelVersion { out.writeString(JSONValue.format(Double(version))) } else { out.writeStaticString("null") }
        out.writeStaticString(",\"items\":[")
        for (index, item) in list.items.enumerated() {
            if index > 0 { out.writeStaticString(",") }
            out.writeStaticString("{\"itemId\":")
            writeString(item.item.rawValue, into: &out)
            out.writeStaticString(",\"score\":")
            out.writeString(JSONValue.format(item.score))
            out.writeStaticString(",\"reason\":")
            writeString(item.reason, into: &out)
            out.writeStaticString(item.exploration ? ",\"exploration\":true}" : "}")
        }
        out.writeStaticString("]")
        if let assignment {
            out.writeStaticString(",\"experiment\":{\"key\":")
            writeString(assignment.experiment.rawValue, into: &out)
            out.writeStaticString(",\"variant\":")
            if let variant = assignment.variantKey { writeString(variant, into: &out) } else { out.writeStaticString("null") }
            out.writeStaticString(assignment.enrolled ? ",\"inExperiment\":true}" : ",\"inExperiment\":false}")
        }
        out.writeStaticString("}")
        return out
    }

    /// A JSON string literal: the bytes as they are when nothing needs escaping (ids and reasons
    /// almost never do), else ``JSONValue/writeString(_:into:)``'s escaping.
    static func writeString(_ s: String, into out: inout ByteBuffer) {
        var s = s
        // One pass over the contiguous bytes: the common id or reason needs no escape and is
        // copied as it is.
        let plain = s.withUTF8 { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            out.writeInteger(UInt8(ascii: "\""))
            out.writeBytes(UnsafeRawBufferPointer(bytes))
            out.writeInteger(UInt8(ascii: "\""))
            return true
        }
        guard !plain else { return }
        var escaped = ""
        JSONValue.writeString(s, into: &escaped)
        out.writeString(escaped)
    }

    static let headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]

    static func response(
        _ list: RecommendationList, subject: (String, String), recommendationId: String, assignment: ExperimentAssignment? = nil
    ) -> Response {
        Response(
            status: .ok, headers: headers,
            body: .init(byteBuffer: buffer(list, subject: subject, recommendationId: recommendationId, assignment: assignment)))
    }
}
