extension SegmentExplanation {
    /// Stored form: `{"rules", "fidelity", "cluster", "features", "centroid"}`.
    package var json: JSONValue {
        .object([
            ("rules", .string(rules)), ("fidelity", .number(fidelity)), ("cluster", .number(Double(cluster))),
            ("features", .array(features.map(JSONValue.string))), ("centroid", .array(centroid.map(JSONValue.number))),
        ])
    }

    /// Reads ``json``; `nil` when the text is not one.
    package init?(json text: String) {
        guard let value = try? JSONParser().parse(text), case .string(let rules)? = value["rules"],
            case .number(let fidelity)? = value["fidelity"], case .number(let cluster)? = value["cluster"],
            case .array(let features)? = value["features"], case .array(let centroid)? = value["centroid"]
        else { return nil }
        self.init(
            rules: rules, fidelity: fidelity, cluster: Int(cluster), features: features.compactMap(\.stringValue),
            centroid: centroid.compactMap { value -> Double? in
                if case .number(let n) = value { return n }
                return nil
            })
    }
}
