import AttuneCore

/// A customer text as submitted (`POST /v1/users/{id}/texts` or a row of `attune import texts`),
/// validated: a known source, non-blank text of at most the configured size without control
/// characters, an optional time and item.
package struct TextSubmission: Sendable, Equatable {
    package var user: UserID
    package var source: TextSource
    package var text: String
    package var time: Timestamp?
    package var item: ItemID?

    static let fields: Set<String> = ["source", "text", "time", "item", "itemId"]
    /// Times further ahead than this are refused: a clock error, not a text from the future.
    static let maxFutureSkewMilliseconds: Int64 = 24 * 3_600_000

    package init(user: UserID, source: TextSource, text: String, time: Timestamp? = nil, item: ItemID? = nil) {
        self.user = user
        self.source = source
        self.text = text
        self.time = time
        self.item = item
    }

    /// Decodes `{"source", "text", "time"?, "item"?}`.
    /// - Throws: `AttuneError` naming the field: 422 for a wrong or missing value, 413 for text
    ///   over `maxBytes`.
    package static func decode(
        _ json: JSONValue, user: UserID, maxBytes: Int, receivedAt: Timestamp
    ) throws(AttuneError) -> TextSubmission {
        guard case .object(let members) = json else { throw .invalid("body", "must be a JSON object") }
        for member in members where !fields.contains(member.key) { throw .invalid(member.key, "unknown field") }
        let source: TextSource
        switch json["source"] {
        case nil, .null?: throw .missing("source")
        case .string(let raw)?:
            guard let known = TextSource(rawValue: raw) else {
                throw .invalid("source", "must be one of \(TextSource.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            source = known
        case let other?: throw .invalid("source", "must be a string, not \(other.typeName)")
        }
        let text: String
        switch json["text"] {
        case nil, .null?: throw .missing("text")
        case .string(let raw)?: text = raw
        case let other?: throw .invalid("text", "must be a string, not \(other.typeName)")
        }
        try validate(text: text, maxBytes: maxBytes)
        let time = try EventDecoder.timestamp(
            json["time"], field: "time", receivedAt: receivedAt, maxSkew: maxFutureSkewMilliseconds)
        var item: ItemID?
        for key in ["item", "itemId"] {
            switch json[key] {
            case nil, .null?: continue
            case .string(let raw)?: item = try ItemID.validated(raw, field: key)
            case let other?: throw .invalid(key, "must be a string, not \(other.typeName)")
            }
        }
        return TextSubmission(user: user, source: source, text: text, time: time, item: item)
    }

    /// Checks the text itself.
    /// - Throws: 413 (`payloadTooLarge`) over `maxBytes` of UTF-8; 422 for blank text or control
    ///   characters other than tab, line feed and carriage return (binary data sent as text).
    package static func validate(text: String, maxBytes: Int) throws(AttuneError) {
        let size = text.utf8.count
        guard size <= maxBytes else {
            throw AttuneError(
                code: .payloadTooLarge, message: "the text is \(size) bytes; at most \(maxBytes) are accepted", field: "text")
        }
        var blank = true
        for scalar in text.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0x09, 0x0A, 0x0D:
                continue
            case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF:
                throw .invalid("text", "must not contain control characters (binary data is not text)")
            default:
                if blank, !scalar.properties.isWhitespace { blank = false }
            }
        }
        guard !blank else { throw .invalid("text", "must not be empty or only white space") }
    }
}
