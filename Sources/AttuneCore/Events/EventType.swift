/// The kind of an event: one of the standard names below or any custom name (1 to 64 bytes,
/// printable).
package struct EventType: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let rawValue: String

    package init(unchecked rawValue: String) { self.rawValue = rawValue }

    package static func validated(_ raw: String, field: String) throws(AttuneError) -> EventType {
        guard !raw.isEmpty, raw.utf8.count <= 64 else { throw .invalid(field, "must be 1 to 64 bytes") }
        for byte in raw.utf8 where byte < 0x20 || byte == 0x7F {
            throw .invalid(field, "must not contain control characters")
        }
        if SegmentEvents.isSegmentEvent(raw) { throw .invalid(field, "is reserved for the engine's segment events") }
        return EventType(unchecked: raw)
    }

    package static let pageView = EventType(unchecked: "page_view")
    package static let view = EventType(unchecked: "view")
    package static let click = EventType(unchecked: "click")
    package static let addToCart = EventType(unchecked: "add_to_cart")
    package static let purchase = EventType(unchecked: "purchase")
    package static let rate = EventType(unchecked: "rate")
    package static let search = EventType(unchecked: "search")
    package static let formSubmit = EventType(unchecked: "form_submit")
    package static let scroll = EventType(unchecked: "scroll")
    package static let videoPlay = EventType(unchecked: "video_play")

    package static func < (lhs: EventType, rhs: EventType) -> Bool { lhs.rawValue < rhs.rawValue }
    package var description: String { rawValue }
}
