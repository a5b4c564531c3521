import AttuneCore

/// Writes a profile version's `detail` JSON by hand: it runs once per user per appended batch, so
/// it builds one string and nothing else.
package enum ProfileChanges {
    /// How many event ids an `event` version names; the count says how many there were.
    package static let eventIDLimit = 5

    /// `"changed":{…}`: each computed field that differs as `[before, after]`, type counts per type.
    /// Times are milliseconds since the epoch (0 before the first event).
    package static func changed(from before: ProfileTraits, to after: ProfileTraits, into out: inout String) {
        out += #""changed":{"#
        var first = true
        // Values are compared before anything is formatted: most fields of most versions are equal.
        func open(_ name: StaticString) {
            if !first { out += "," }
            first = false
            out += "\""
            out += name.description
            out += "\":["
        }
        func field(_ name: StaticString, _ a: Int64, _ b: Int64) {
            guard a != b else { return }
            open(name)
            out += String(a)
            out += ","
            out += String(b)
            out += "]"
        }
        field("events", Int64(before.eventCount), Int64(after.eventCount))
        field("sessions", Int64(before.sessionCount), Int64(after.sessionCount))
        field("purchases", Int64(before.purchaseCount), Int64(after.purchaseCount))
        if before.monetary != after.monetary {
            open("monetary")
            out += number(before.monetary) + "," + number(after.monetary) + "]"
        }
        field("firstSeen", before.firstSeen, after.firstSeen)
        field("lastSeen", before.lastSeen, after.lastSeen)
        if before.lastPurchase != after.lastPurchase {
            open("lastPurchase")
            out += (before.lastPurchase.map { String($0) } ?? "null") + "," + (after.lastPurchase.map { String($0) } ?? "null") + "]"
        }
        if before.countsByType != after.countsByType {
            // Types only ever gain counts from events; the others appear on merges and rebuilds.
            var types = Array(after.countsByType.keys)
            for type in before.countsByType.keys where after.countsByType[type] == nil { types.append(type) }
            types.sort()
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
                out += ":["
                out += String(a)
                out += ","
                out += String(b)
                out += "]"
            }
            out += "}"
        }
        out += "}"
    }

    /// Detail of an `event` version: the changes, how many events, and the ids of the first few.
    package static func events(
        count: Int, ids: some Sequence<EventID>, from before: ProfileTraits, to after: ProfileTraits
    ) -> String {
        var out = "{"
        out.reserveCapacity(320)
        changed(from: before, to: after, into: &out)
        out += #","events":"#
        out += String(count)
        out += #","eventIds":["#
        for (index, id) in ids.prefix(eventIDLimit).enumerated() {
            if index > 0 { out += "," }
            out += "\""
            out += id.uuidString
            out += "\""
        }
        out += "]}"
        return out
    }

    /// Detail of an `identify` version: the changes and the newly linked anonymous id.
    package static func identify(_ anonymous: String?, from before: ProfileTraits, to after: ProfileTraits) -> String {
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
    package static func rebuild(from before: ProfileTraits, to after: ProfileTraits) -> String {
        var out = "{"
        changed(from: before, to: after, into: &out)
        out += "}"
        return out
    }

    /// Detail of a `patch` version: the top-level keys of the declared patch (those it removes
    /// too), in byte order; `[]` when it is not an object.
    package static func declared(patch: String) -> String {
        var keys: [String] = []
        if case .object(let members)? = try? JSONParser().parse(patch) { keys = members.map(\.key) }
        keys.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var out = #"{"declared":["#
        for (index, key) in keys.enumerated() {
            if index > 0 { out += "," }
            appendString(key, to: &out)
        }
        out += "]}"
        return out
    }

    /// Finite doubles only ever reach `monetary`; Swift's description of one is valid JSON.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    package static func appendString(_ text: String, to out: inout String) {
        out += "\""
        // Ids and event types rarely need escaping: one scan, then one append.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += text
            out += "\""
            return
        }
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
