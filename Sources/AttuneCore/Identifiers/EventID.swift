/// A 128-bit event identifier, written as a UUID (`8-4-4-4-12` hex digits).
///
/// Clients may send their own UUID so that retries are idempotent; the server assigns a random
/// (version 4) one otherwise, and imports derive one from the row's content (version 8).
package struct EventID: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var high: UInt64
    package var low: UInt64

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A random version-4 UUID from the system's secure generator (``RandomBits``).
    ///
    /// Prefer this to `random(using:)` with a `SystemRandomNumberGenerator`: that generator has no
    /// size, and Thread Sanitizer's tracking of the `inout` access faulted on its address when
    /// the store recorded segment events (the segment tests aborted under `--sanitize=thread`).
    package static func random() -> EventID {
        var (high, low) = RandomBits.next128()
        high = (high & ~0xF000) | 0x4000
        low = (low & ~(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000
        return EventID(high: high, low: low)
    }

    /// A random version-4 UUID from `generator`.
    package static func random(using generator: inout some RandomNumberGenerator) -> EventID {
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000
        low = (low & ~(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000
        return EventID(high: high, low: low)
    }

    /// A version-8 UUID from the first 16 bytes of a digest of the content.
    package static func derived(fromDigest digest: some Sequence<UInt8>) -> EventID {
        var bytes = Array(digest.prefix(16))
        while bytes.count < 16 { bytes.append(0) }
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return EventID(bytes: bytes)
    }

    package init(bytes: [UInt8]) {
        precondition(bytes.count == 16)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        self.init(high: high, low: low)
    }

    package var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { out[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i))) }
        for i in 0..<8 { out[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i))) }
        return out
    }

    /// Parses the canonical textual form, in either case, with or without braces.
    package init?(uuidString: String) {
        var digits: [UInt8] = []
        digits.reserveCapacity(32)
        var text = Substring(uuidString)
        if text.hasPrefix("{") && text.hasSuffix("}") { text = text.dropFirst().dropLast() }
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        for (i, byte) in utf8.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(byte - 0x41 + 10)
            default: return nil
            }
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for d in digits[0..<16] { high = high << 4 | UInt64(d) }
        for d in digits[16..<32] { low = low << 4 | UInt64(d) }
        self.init(high: high, low: low)
    }

    package var uuidString: String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package var description: String { uuidString }

    package static func < (lhs: EventID, rhs: EventID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
