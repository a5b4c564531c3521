extension ProfileTraits {
    /// Counts by type as one text column: `type US count RS type US count ...` with the ASCII unit
    /// and record separators, which event types cannot contain (they reject control characters).
    package var encodedTypeCounts: String {
        // Built in one string: every appended batch encodes this once per user.
        var out = ""
        out.reserveCapacity(countsByType.count * 16)
        for (index, entry) in countsByType.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { out += "\u{1E}" }
            out += entry.key
            out += "\u{1F}"
            out += String(entry.value)
        }
        return out
    }

    /// Reads ``encodedTypeCounts``.
    /// - Throws: `AttuneError` on a malformed entry.
    package static func decodeTypeCounts(_ text: String) throws(AttuneError) -> [String: Int] {
        // One pass over the bytes: this runs once per user per appended batch. The separators are
        // ASCII, so every cut falls on a character boundary.
        var out: [String: Int] = [:]
        var text = text
        let wellFormed = text.withUTF8 { bytes -> Bool in
            var start = 0
            while start < bytes.count {
                var unit = -1
                var end = start
                while end < bytes.count, bytes[end] != 0x1E {
                    if bytes[end] == 0x1F {
                        if unit >= 0 { return false }
                        unit = end
                    }
                    end += 1
                }
                if end > start {
                    guard unit >= 0, let n = count(bytes, from: unit + 1, to: end) else { return false }
                    out[String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<unit]), as: UTF8.self)] = n
                }
                start = end + 1
            }
            return true
        }
        guard wellFormed else { throw AttuneError.invalid("types", "stored profile counts are malformed") }
        return out
    }

    /// The decimal integer in `bytes[from..<to]` (an optional sign, then digits), as `Int(_:)` reads it.
    private static func count(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int? {
        var index = from
        var negative = false
        if index < end, bytes[index] == 0x2D || bytes[index] == 0x2B {
            negative = bytes[index] == 0x2D
            index += 1
        }
        guard index < end else { return nil }
        var n = 0
        while index < end {
            let digit = Int(bytes[index]) &- 0x30
            guard (0...9).contains(digit) else { return nil }
            let (times, o1) = n.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            n = next
            index += 1
        }
        return n
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
