/// The 32-bit FNV-1a hash (Fowler, Noll & Vo; IETF draft-eastlake-fnv).
package enum FNV1a {
    /// The 32-bit FNV offset basis.
    package static let offsetBasis: UInt32 = 0x811C_9DC5
    /// The 32-bit FNV prime.
    package static let prime: UInt32 = 0x0100_0193

    /// Hashes the string's UTF-16 code units, one per round.
    ///
    /// GrowthBook's SDKs hash JavaScript strings code unit by code unit (`charCodeAt`), so UTF-16 is
    /// what keeps assignments identical to theirs for non-ASCII ids; for ASCII it equals hashing bytes.
    /// - Complexity: O(length).
    @inlinable
    package static func hash32(_ string: String) -> UInt32 {
        var hash = offsetBasis
        for unit in string.utf16 {
            hash ^= UInt32(unit)
            hash = hash &* prime
        }
        return hash
    }

    /// Hashes raw bytes (the textbook definition, for reference vectors).
    @inlinable
    package static func hash32<Bytes: Sequence<UInt8>>(bytes: Bytes) -> UInt32 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* prime
        }
        return hash
    }
}
