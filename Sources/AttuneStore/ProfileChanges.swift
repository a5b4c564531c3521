import AttuneCore

/// Writes a profile version's `detail` JSON by hand: it runs once per user per appended batch, so
/// it builds one string and nothing else.
package enum ProfileChanges {
    /// How many event ids an `event` version names; the count says how many there were.
    package static let eventIDLimit = 5

    /// `"changed":{…}`: each computed field that differs as `[before, after]`, type counts per type.
    /// Times are milliseconds since the epoch (0 before the first event).
    static func changed(from before: ProfileTraits, to after: ProfileTraits, into out: inout String) {
        out += #""changed":{"#
        var first = true
        func field(_ name: String, _ a: String, _ b: String) {
            guard a != b else { return }
            if !first { out += "," }
            first = false
            out += "\"\(name)\":[\(a),\(b)]"
        }
        field("events", String(before.eventCount), String(after.eventCount))
        field("sessions", String(before.sessionCount), String(after.sessionCount))
        field("purchases", String(before.purchaseCount), String(after.purchaseCount))
        field("monetary", number(before.monetary), number(after.monetary))
        field("firstSeen", String(before.firstSeen), String(after.firstSeen))
        field("lastSeen", String(before.lastSeen), String(after.lastSeen))
        field("lastPurchase", before.lastPurchase.map { String($0) } ?? "null", after.lastPurchase.map { String($0) } ?? "null")
        if before.countsByType != after.countsByType {
            let types = Set(before.countsByType.keys).union(after.countsByType.keys).sorted()
            if !first { out += "," }
            first = false
            out += #""countsByType":{"#
            var firstType = true
            for type in types {
                let a = before.countsByType[type] ?? 0
                let b = after.countsByType[type] ?? 0
                guard a != b else { continue }
                if !firstType { out += "," }
                firstType = false
                appendString(type, to: &out)
                out += ":[\(a),\(b)]"
            }
            out += "}"
        }
        out += "}"
    }

    /// Detail of an `event` version: the changes, how many events, and the first few ids.
    static func events(_ events: [Event], from before: ProfileTraits, to after: ProfileTraits) -> String {
        var out = "{"
        changed(from: before, to: after, into: &out)
        out += #","events":\#(events.count),"eventIds":["#
        for (index, event) in events.prefix(eventIDLimit).enumerated() {
            if index > 0 { out += "," }
            out += "\"\(event.id.uuidString)\""
        }
        out += "]}"
        return out
    }

    /// Detail of an `identify` version: the changes and the newly linked anonymous id.
    static func identify(_ anonymous: String?, from before: ProfileTraits, to after: ProfileTraits) -> String {
        var out = "{"
        changed(from: before, to: after, into: &out)
        if let anonymous {
            out += #","anonymousId":"#
            appendString(anonymous, to: &out)
        }
        out += "}"
        return out
    }

    /// Detail of a `rebuild` version: the changes only.
    static func rebuild(from before: ProfileTraits, to after: ProfileTraits) -> String {
        var out = "{"
        changed(from: before, to: after, into: &out)
        out += "}"
        return out
    }

    /// Finite doubles only ever reach `monetary`; Swift's description of one is valid JSON.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
