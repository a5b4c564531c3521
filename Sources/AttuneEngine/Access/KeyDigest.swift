import Crypto

/// The SHA-256 of an API key as four words: every request hashes its key and looks it up, and
/// this is hashed, compared and stored without the allocations of a `Data` or an array.
package struct KeyDigest: Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// The digest of `key`'s UTF-8 bytes.
    package init(of key: String) {
        var key = key
        var hasher = SHA256()
        key.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        words = hasher.finalize().withUnsafeBytes { Self.words(of: $0) }
    }

    /// A stored digest; `nil` unless it has 32 bytes.
    package init?(_ bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        words = bytes.withUnsafeBytes { Self.words(of: $0) }
    }

    private static func words(of raw: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64) {
        (
            raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    /// Equality whose time does not depend on where two digests differ.
    package func equalsInConstantTime(_ other: KeyDigest) -> Bool {
        ((words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2) | (words.3 ^ other.words.3)) == 0
    }

    package static func == (lhs: KeyDigest, rhs: KeyDigest) -> Bool { lhs.equalsInConstantTime(rhs) }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
