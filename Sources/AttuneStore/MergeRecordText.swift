import AttuneCore

/// The JSON texts a merge leaves in storage (the anonymous ids it moved or shared, the merge
/// reference of the person's profile version), written and read the same by every store so that
/// a database moved from one store to the other reads back identically.
package enum MergeRecordText {
    /// `{"merged":[ids],"merges":[merge ids]}`, the detail of the profile version a merge makes.
    package static func reference(_ merges: [UserMerge]) -> String {
        var out = #"{"merged":["#
        for (index, merge) in merges.enumerated() {
            if index > 0 { out += "," }
            ProfileChanges.appendString(merge.merged.rawValue, to: &out)
        }
        out += #"],"merges":[\#(merges.map { String($0.id) }.joined(separator: ","))]}"#
        return out
    }

    /// A JSON array of strings.
    package static func array(_ values: [String]) -> String {
        var out = "["
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            ProfileChanges.appendString(value, to: &out)
        }
        return out + "]"
    }

    /// The strings of a JSON array written by ``array(_:)``; empty for anything else.
    package static func strings(_ text: String?) -> [String] {
        guard let text, case .array(let values)? = try? JSONParser().parse(text) else { return [] }
        return values.compactMap(\.stringValue)
    }
}
