/// The fields of one event that an aggregate's condition may read.
package struct AggregateEvent: Sendable {
    package var type: String
    package var item: String?
    package var value: Double?
    package var session: String?
    /// Milliseconds since the epoch.
    package var timestamp: Int64
    /// Parsed only when a condition reads `properties.*`.
    package var properties: JSONValue?

    package init(
        type: String, item: String? = nil, value: Double? = nil, session: String? = nil, timestamp: Int64,
        properties: JSONValue? = nil
    ) {
        self.type = type
        self.item = item
        self.value = value
        self.session = session
        self.timestamp = timestamp
        self.properties = properties
    }

    func value(of path: FieldPath) -> ExpressionValue {
        let segments = path.segments
        if segments.count == 1 {
            switch segments[0] {
            case "type": return .string(type)
            case "item": return item.map(ExpressionValue.string) ?? .null
            case "value": return value.map(ExpressionValue.number) ?? .null
            case "session": return session.map(ExpressionValue.string) ?? .null
            case "timestamp": return .number(Double(timestamp) / 1000)
            default: return .null
            }
        }
        guard segments[0] == "properties", let properties else { return .null }
        return ExpressionValue(properties, at: segments.dropFirst())
    }
}

/// Running values of a set of aggregates for one user, fed the user's events one at a time.
package struct EventAggregateAccumulator {
    private let aggregates: [EventAggregate]
    private let now: Int64
    package private(set) var values: [Double]

    /// - Parameter now: milliseconds since the epoch; windows end here.
    package init(_ aggregates: [EventAggregate], now: Int64) {
        self.aggregates = aggregates
        self.now = now
        values = Array(repeating: 0, count: aggregates.count)
    }

    package mutating func add(_ event: AggregateEvent) {
        let nowTimestamp = Timestamp(millisecondsSinceEpoch: now)
        for (index, aggregate) in aggregates.enumerated() {
            if let window = aggregate.windowSeconds, Double(now - event.timestamp) > window * 1000 { continue }
            if let filter = aggregate.filter,
                !filter.matches(now: nowTimestamp, { event.value(of: filter.fieldPaths[$0.index]) })
            {
                continue
            }
            switch aggregate.function {
            case .count: values[index] += 1
            case .sum: if let v = event.value, v.isFinite { values[index] += v }
            }
        }
    }
}
