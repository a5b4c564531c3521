extension ProfileTraits {
    /// Counts by type as one text column: `type US count RS type US count ...` with the ASCII unit
    /// and record separators, which event types cannot contain (they reject control characters).
    package var encodedTypeCounts: String {
        countsByType.sorted { $0.key < $1.key }.map { "\($0.key)\u{1F}\($0.value)" }.joined(separator: "\u{1E}")
    }

    /// Reads ``encodedTypeCounts``.
    /// - Throws: `AttuneError` on a malformed entry.
    package static func decodeTypeCounts(_ text: String) throws(AttuneError) -> [String: Int] {
        var out: [String: Int] = [:]
        for entry in text.split(separator: "\u{1E}", omittingEmptySubsequences: true) {
            let parts = entry.split(separator: "\u{1F}", omittingEmptySubsequences: false)
            guard parts.count == 2, let n = Int(parts[1]) else {
                throw AttuneError.invalid("types", "stored profile counts are malformed")
            }
            out[String(parts[0])] = n
        }
        return out
    }

    /// The public form for the API: dates as ISO-8601, RFM, and the given category and tag affinities.
    package func publicJSON(now: Timestamp, affinity: LabelAffinity = LabelAffinity()) -> JSONValue {
        func date(_ ms: Int64) -> JSONValue { .string(Timestamp(millisecondsSinceEpoch: ms).iso8601) }
        var rfm: [(key: String, value: JSONValue)] = [
            ("frequency", .number(Double(purchaseCount))), ("monetary", .number(monetary)),
        ]
        if let lastPurchase {
            rfm.insert(("recencyDays", .number(Double(max(0, now.millisecondsSinceEpoch - lastPurchase)) / 86_400_000)), at: 0)
        } else {
            rfm.insert(("recencyDays", .null), at: 0)
        }
        return .object([
            ("firstSeen", eventCount > 0 ? date(firstSeen) : .null),
            ("lastSeen", eventCount > 0 ? date(lastSeen) : .null),
            ("events", .number(Double(eventCount))),
            ("eventsByType", .object(countsByType.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })),
            ("sessions", .object([("count", .number(Double(sessionCount))), ("meanSeconds", .number(meanSessionSeconds))])),
            ("rfm", .object(rfm)),
            ("categories", .array(affinity.top(affinity.categories, 10).map { .object([("name", .string($0.label)), ("share", .number($0.share))]) })),
            ("tags", .array(affinity.top(affinity.tags, 10).map { .object([("name", .string($0.label)), ("share", .number($0.share))]) })),
        ])
    }
}
