/// A piece of structured information found in free text.
package struct TextEntity: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case email, phone, url, money, date, orderNumber = "order_number"
    }

    package var kind: Kind
    /// Where it is in the text, as UTF-8 byte offsets.
    package var range: Range<Int>
    /// The text as written.
    package var text: String
    /// A normal form: the lower-cased address, the digits of a phone number with a leading "+" if
    /// written, "12.50 EUR" for money, "2024-03-05" for an unambiguous date, the order number
    /// without its prefix words. `nil` when there is none (an ambiguous date).
    package var normalized: String?

    package init(kind: Kind, range: Range<Int>, text: String, normalized: String?) {
        self.kind = kind
        self.range = range
        self.text = text
        self.normalized = normalized
    }
}
