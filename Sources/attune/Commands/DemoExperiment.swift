import AttuneCore
import AttuneExperiments
import Foundation

/// The demo's experiment: the trained model against the popular list for 400 shoppers, served
/// through `?experiment=`, with simulated impressions and clicks, then the read-out. Event ids are
/// fixed, so a second run adds nothing and shows the same result.
enum DemoExperiment {
    static let definition = #"""
        {"key": "demo-rec-strategy", "name": "Trained model vs best sellers",
         "variants": [{"key": "best-sellers", "strategy": "popular"}, {"key": "model", "strategy": "default"}],
         "status": "running",
         "metrics": [{"name": "ctr", "kind": "ratio", "event": "click", "denominator": "impression"},
                     {"name": "clicked", "kind": "conversion", "event": "click"}]}
        """#

    static func run(_ client: LoopbackHTTPClient, adminKey: String, writeKey: String) throws -> [String] {
        let admin = [("Authorization", "Bearer \(adminKey)")]
        var lines: [String] = []
        let created = try client.send(method: "POST", path: "/v1/experiments", headers: admin, body: Array(definition.utf8))
        lines.append("POST /v1/experiments -> \(created.status)" + (created.status == 409 ? " (kept from an earlier run)" : ""))
        var events: [String] = []
        var served: [String: Int] = [:]
        for n in 1...400 {
            let user = "user-\(n)"
            let reply = try client.send(
                method: "GET", path: "/v1/users/\(user)/recommendations?count=4&experiment=demo-rec-strategy", headers: admin)
            guard reply.status == 200, let json = try? JSONParser().parse(reply.text),
                let variant = json["experiment"]?["variant"]?.stringValue, let list = json["recommendationId"]?.stringValue
            else { continue }
            served[variant, default: 0] += 1
            let version = json["modelVersion"].map { $0.serialized() } ?? "null"
            let properties = #"{"recommendationId": "\#(list)", "modelVersion": \#(version)}"#
            // A shopper clicks with a probability set by the variant, drawn from a hash of the id so
            // that every run simulates the same behaviour.
            let rate = variant == "model" ? 0.16 : 0.10
            let draw = BucketHash.unit(seed: "demo-click", value: user)
            events.append(#"{"id": "\#(id(n, 1))", "type": "impression", "userId": "\#(user)", "properties": \#(properties)}"#)
            if draw < rate {
                events.append(#"{"id": "\#(id(n, 2))", "type": "click", "userId": "\#(user)", "properties": \#(properties)}"#)
            }
        }
        var offset = 0
        while offset < events.count {
            let chunk = events[offset..<min(offset + 500, events.count)]
            _ = try client.send(
                method: "POST", path: "/v1/events", headers: [("Authorization", "Bearer \(writeKey)")],
                body: Array(#"{"batch": [\#(chunk.joined(separator: ","))]}"#.utf8))
            offset += chunk.count
        }
        let split = served.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append("GET /v1/users/user-1..400/recommendations?experiment=demo-rec-strategy -> \(split); impressions and clicks sent")
        let results = try client.send(method: "GET", path: "/v1/experiments/demo-rec-strategy/results", headers: admin)
        lines.append("GET /v1/experiments/demo-rec-strategy/results -> \(results.status)")
        if let json = try? JSONParser().parse(results.text), case .array(let metrics)? = json["results"]?["metrics"] {
            for metric in metrics {
                guard case .array(let arms)? = metric["variants"], arms.count == 2 else { continue }
                let name = metric["name"]?.stringValue ?? "?"
                lines.append(
                    "  \(name): best-sellers \(format(arms[0]["value"])), model \(format(arms[1]["value"])), "
                        + "p = \(format(arms[1]["pValue"])), always-valid p = \(format(arms[1]["sequential"]?["pValue"])), "
                        + "P(model beats best-sellers) = \(format(arms[1]["probabilityToBeatControl"]))")
            }
            if let mismatch = json["results"]?["sampleRatioMismatch"]?["mismatch"] {
                lines.append("  sample ratio mismatch: \(mismatch.serialized())")
            }
        }
        return lines
    }

    private static func id(_ n: Int, _ kind: Int) -> String {
        String(format: "7a1c2a52-5d7e-4c43-9a57-%06x%06x", kind, n)
    }

    private static func format(_ value: JSONValue?) -> String {
        guard case .number(let n)? = value else { return "-" }
        return String(format: "%.4f", n)
    }
}
